using Delight.Screens;

namespace Delight.Learning;

/// <summary>Where the screen's surprisal comes from.</summary>
public enum ScreenMode
{
    /// <summary>The learner's own log-probs, after a forward over the whole batch (exact delight).</summary>
    Exact,
    /// <summary>
    /// The actor's recorded log-probs, before any learner work: dropped rows never touch the learner. Exact on-policy;
    /// an approximation when the actor is stale or buggy (measured by <see cref="LearnerOptions.ScreenAuditEvery"/>).
    /// </summary>
    Speculative,
}

public sealed record LearnerOptions
{
    public AdvantageEstimator Advantage { get; init; } = AdvantageEstimator.Grouped;
    /// <summary>The Kondo gate; null for none (every row with a non-zero coefficient is back-propagated).</summary>
    public KondoOptions? Kondo { get; init; }
    public ScreenMode Screen { get; init; } = ScreenMode.Exact;
    /// <summary>
    /// With speculative screening, every this many steps the learner also runs the exact screen (one extra full
    /// forward, counted as work) and reports the fraction of tokens where the two disagree. 0 = never.
    /// </summary>
    public int ScreenAuditEvery { get; init; } = 10;

    public void Validate()
    {
        Kondo?.Validate();
        if (Screen == ScreenMode.Speculative && Kondo is null)
            throw new Runtime.OptionException("--screen", "--screen speculative needs a Kondo gate (--kondo-rate or --kondo-price): there is nothing to screen.");
        if (Screen == ScreenMode.Speculative && Advantage == AdvantageEstimator.ExpectedConfidence)
            throw new Runtime.OptionException("--advantage", "--advantage expected-confidence reads the learner's distribution, which the speculative screen never computes for dropped rows; use --screen exact.");
        if (ScreenAuditEvery < 0)
            throw new ArgumentOutOfRangeException(nameof(ScreenAuditEvery), ScreenAuditEvery, "the screen audit interval must be >= 0 (0 = never).");
    }
}
