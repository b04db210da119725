namespace Delight.Learning;

/// <summary>What one learner step did and saw. Work counts are in rows and in token positions run.</summary>
public record struct LearnerStepMetrics
{
    /// <summary>−Σ coefficient·log π / (answer tokens in the batch): the surrogate whose gradient is the update.</summary>
    public float Loss;
    public float RewardMean;
    public float AdvantageMean;
    public float AdvantageStd;
    /// <summary>Mean learner surprisal −log π over answer tokens.</summary>
    public float SurprisalMean;
    /// <summary>Mean gate weight (1 for ungated losses).</summary>
    public float GateMean;
    public float KeptRowFraction;
    public float KeptTokenFraction;
    /// <summary>Mean policy entropy over answer positions (nats).</summary>
    public float EntropyMean;
    /// <summary>Global L2 norm of the gradient before the optimizer step.</summary>
    public float GradientNorm;
    public long ForwardRows;
    public long BackwardRows;
    public long ForwardTokens;
    public long BackwardTokens;
}
