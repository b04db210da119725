namespace Delight.Runtime;

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

/// <summary>The runtimes of <see cref="ITrainingRuntime"/> (Loop.cs), by name.</summary>
public static class TrainingRuntimes
{
    /// <summary>The runtime <see cref="RuntimeOptions.Kind"/> names.</summary>
    public static ITrainingRuntime Create(TrainOptions options) => options.Runtime.Kind switch
    {
        RuntimeKind.Async => new AsyncRuntime(options),
        _ => new SynchronousRuntime(options),
    };
}
