namespace Delight.Learning;

public sealed record LearnerOptions
{
    public AdvantageEstimator Advantage { get; init; } = AdvantageEstimator.Grouped;
}
