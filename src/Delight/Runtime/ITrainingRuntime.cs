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

/// <summary>
/// A runtime whose inputs are acknowledged only once a checkpoint holds their effect (the broker runtime): the run
/// loop tells it when a checkpoint is durable, and it may ask for one between steps (when too many decisions wait).
/// </summary>
public interface ICheckpointedRuntime : ITrainingRuntime
{
    /// <summary>Set by the run loop: writes a checkpoint now, between steps.</summary>
    Action? WriteCheckpoint { set; }
    /// <summary>Called after the checkpoint files are written: what they hold may now be acknowledged.</summary>
    void CheckpointWritten();
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
