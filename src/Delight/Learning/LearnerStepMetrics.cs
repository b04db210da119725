namespace Delight.Learning;

/// <summary>What one learner step did and saw. Work counts are in rows, in token positions run, and in FLOPs.</summary>
public record struct LearnerStepMetrics
{
    /// <summary>−Σ coefficient·log π / (answer tokens in the batch): the surrogate whose gradient is the update.</summary>
    public float Loss;
    public float RewardMean;
    public float AdvantageMean;
    public float AdvantageStd;
    /// <summary>Mean learner surprisal −log π over the answer tokens forwarded.</summary>
    public float SurprisalMean;
    /// <summary>Mean gate weight (1 for ungated losses).</summary>
    public float GateMean;
    /// <summary>Fraction of the batch's rows (tokens) with a non-zero coefficient: the backward's share.</summary>
    public float KeptRowFraction;
    public float KeptTokenFraction;
    /// <summary>Mean policy entropy over the answer positions forwarded (nats).</summary>
    public float EntropyMean;
    /// <summary>Global L2 norm of the gradient before the optimizer step.</summary>
    public float GradientNorm;
    /// <summary>Importance ratio π_θ/μ statistics where the loss uses behaviour log-probs; NaN otherwise.</summary>
    public float RatioMean;
    public float RatioMax;
    public float ClipFraction;
    public float DropFraction;
    /// <summary>Speculative screening audit: fraction of tokens whose keep decision differs from the exact screen; NaN when not audited.</summary>
    public float ScreenDisagreement;
    public long ForwardRows;
    public long BackwardRows;
    public long ForwardTokens;
    public long BackwardTokens;
    public long ForwardFlops;
    public long BackwardFlops;
}
