namespace Delight.Experiments.Sweeps;

/// <summary>A run that threw or returned a non-zero exit code; the sweep went on without it.</summary>
public sealed record SweepFailure(SweepRun Run, string Reason);

/// <summary>What <see cref="SweepRunner.Run"/> did with each run of the sweep.</summary>
public sealed record SweepResult(
    IReadOnlyList<SweepRun> Runs,
    IReadOnlyList<SweepRun> Skipped,
    IReadOnlyList<SweepRun> Completed,
    IReadOnlyList<SweepFailure> Failed,
    bool Cancelled,
    double WallSeconds)
{
    /// <summary>Runs neither finished before nor attempted (the sweep was cancelled first).</summary>
    public int NotStarted => Runs.Count - Skipped.Count - Completed.Count - Failed.Count;

    public bool Succeeded => Failed.Count == 0 && !Cancelled;
}
