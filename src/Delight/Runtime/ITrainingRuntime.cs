namespace Delight.Runtime;

/// <summary>
/// Where rollouts come from. Every runtime feeds the same <see cref="TrainingSession.Learn"/>; they differ only in
/// who samples (this thread, actor threads, remote actors) and so in how stale the samples are.
/// </summary>
public interface ITrainingRuntime
{
    TrainingSession Session { get; }
    /// <summary>Trains to <see cref="TrainOptions.Steps"/>, reporting every step as it is applied.</summary>
    RunSummary Run(Action<StepReport>? onStep = null, CancellationToken cancel = default);
    /// <summary>The session's state plus the runtime's own (actor streams, snapshot ring), between steps.</summary>
    void SaveState(TrainingState state);
    void RestoreState(TrainingState state, string source);
}

public static class TrainingRuntimes
{
    /// <summary>The runtime <see cref="TrainOptions.Runtime"/> names.</summary>
    public static ITrainingRuntime Create(TrainOptions options) => options.Runtime switch
    {
        "async" => new AsyncRuntime(options),
        _ => new SynchronousRuntime(options),
    };
}
