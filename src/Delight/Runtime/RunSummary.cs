namespace Delight.Runtime;


/// <summary>Work done by a run, summed over steps.</summary>
public record struct WorkTotals(long ForwardRows, long BackwardRows, long ForwardTokens, long BackwardTokens, long SampleRows, long SampleTokens)
{
    public long ForwardFlops;
    public long BackwardFlops;
}

public sealed record RunSummary(
    TrainOptions Options, int StepsDone, double WallSeconds, Evaluation Initial, Evaluation Final, WorkTotals Work, long ParameterCount)
{
    public Frictions.FrictionTotals Frictions { get; init; }
    /// <summary>Remote actors' rollouts (broker runtime only): each received one is either applied or rejected.</summary>
    public RolloutCounts? Rollouts { get; init; }
}

/// <summary>Remote rollouts the learner received: applied or rejected (dead-lettered), with the reasons and the rows.</summary>
public readonly record struct RolloutCounts(long Received, long Applied, long Rejected)
{
    /// <summary>Rejected rollouts by reason wire name (e.g. "too-stale").</summary>
    public IReadOnlyDictionary<string, long>? RejectedByReason { get; init; }
    public RowCounts? Rows { get; init; }
}

/// <summary>The same accounting in rows: what the actors' sampling turned into.</summary>
public sealed record RowCounts(long Received, long Applied, long Rejected, IReadOnlyDictionary<string, long> RejectedByReason);
