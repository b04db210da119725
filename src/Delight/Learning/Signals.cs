namespace Delight.Learning;

/// <summary>
/// The per-token quantities every loss reads, computed once per step by the learner (egg's common.py, once):
///   U_r      advantage of row r (broadcast to its tokens)
///   log π_θ  the learner's log-prob of each sampled token; ℓ_rt = −log π_θ(a_rt) its surprisal
///   χ_rt     = U_r · ℓ_rt, delight
///   log μ    the actor's recorded behaviour log-prob (empty when the rollout has none)
/// Shapes: rows × tokens (answer tokens per row), row-major.
/// </summary>
public readonly ref struct Signals(
    ReadOnlySpan<float> advantage, ReadOnlySpan<float> surprisal, ReadOnlySpan<float> delight, int rowCount, int tokensPerRow,
    ReadOnlySpan<float> behaviourLogProbs = default)
{
    public ReadOnlySpan<float> Advantage { get; } = advantage;
    public ReadOnlySpan<float> Surprisal { get; } = surprisal;
    public ReadOnlySpan<float> Delight { get; } = delight;
    /// <summary>Behaviour log-probs [rows, tokens]; empty when the data carries none.</summary>
    public ReadOnlySpan<float> BehaviourLogProbs { get; } = behaviourLogProbs;
    public int RowCount { get; } = rowCount;
    public int TokensPerRow { get; } = tokensPerRow;
    public bool HasBehaviourLogProbs => !BehaviourLogProbs.IsEmpty;

    /// <summary>log π_θ(a_rt) = −ℓ_rt.</summary>
    public float LearnerLogProb(int index) => -Surprisal[index];

    /// <summary>Importance ratio r = π_θ/μ = exp(log π_θ − log μ) of one token (no gradient flows through it).</summary>
    public float Ratio(int index) => MathF.Exp(LearnerLogProb(index) - BehaviourLogProbs[index]);

    /// <summary>Refuses data without behaviour log-probs, for a method that needs them (never a silent fallback).</summary>
    public void RequireBehaviourLogProbs(string method, string why)
    {
        if (!HasBehaviourLogProbs)
            throw new ArgumentException($"{method} needs behaviour log-probs ({why}); the rollout has none. Record them in the actor, or use pg or dg, which do not need them.");
    }
}

/// <summary>What a loss reports about its coefficients (fields a loss does not use stay at their defaults).</summary>
public record struct LossStatistics
{
    /// <summary>Mean gate weight over tokens (1 for ungated losses).</summary>
    public float GateMean;
    /// <summary>Mean and max importance ratio π_θ/μ where behaviour log-probs are used; NaN otherwise.</summary>
    public float RatioMean;
    public float RatioMax;
    /// <summary>Fraction of tokens whose term was clipped (PPO) or filtered out (VACO, Kondo).</summary>
    public float ClipFraction;
    public float DropFraction;

    public static LossStatistics Ungated => new() { GateMean = 1f, RatioMean = float.NaN, RatioMax = float.NaN };

    /// <summary>Ungated, with the mean and max importance ratio over every token of <paramref name="signals"/>.</summary>
    public static LossStatistics WithRatios(in Signals signals)
    {
        var n = signals.RowCount * signals.TokensPerRow;
        double sum = 0;
        var max = float.NegativeInfinity;
        for (var i = 0; i < n; i++)
        {
            var ratio = signals.Ratio(i);
            sum += ratio;
            max = MathF.Max(max, ratio);
        }
        var statistics = Ungated;
        statistics.RatioMean = (float)(sum / Math.Max(1, n));
        statistics.RatioMax = max;
        return statistics;
    }
}
