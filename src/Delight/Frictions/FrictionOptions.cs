namespace Delight.Frictions;

/// <summary>
/// The actor-side frictions of the distributed paper (papers.md §2.4; egg dreamer_bps.py and vanilla_async.py), one
/// options record per friction, each off at its default and independently switchable. What each breaks and the
/// order they apply in: <see cref="IFriction"/>. Per row, answer precedence is the reference's: discovery first, then
/// random, then bug — so the bug fraction is (1 − p_discovery)(1 − p_random)·p_bug. Reward corruption applies after
/// scoring, to any row.
/// </summary>
public sealed record FrictionOptions
{
    public StalenessOptions Staleness { get; init; } = new();
    public BugOptions Bug { get; init; } = new();
    public DiscoveryOptions Discovery { get; init; } = new();
    public RandomAnswerOptions RandomAnswers { get; init; } = new();
    public RewardCorruptionOptions Reward { get; init; } = new();
    public LogitNoiseOptions LogitNoise { get; init; } = new();
    public ContaminatedSamplingOptions Contamination { get; init; } = new();

    public bool Any => Staleness.Versions > 0 || Bug.Prob > 0 || Discovery.Prob > 0 || RandomAnswers.Prob > 0 || Reward.Any
        || LogitNoise.Std > 0 || Contamination.Rate > 0;

    /// <summary>True when a friction replaces answers row by row (discovery, random or bug).</summary>
    public bool ReplacesAnswers => Discovery.Prob > 0 || RandomAnswers.Prob > 0 || Bug.Prob > 0;

    public void Validate()
    {
        Staleness.Validate();
        Bug.Validate();
        Discovery.Validate();
        RandomAnswers.Validate();
        Reward.Validate();
        LogitNoise.Validate();
        Contamination.Validate();
    }
}
