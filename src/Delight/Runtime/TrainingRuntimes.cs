namespace Delight.Runtime;

/// <summary>The runtimes of <see cref="ITrainingRuntime"/> (Loop.cs), by name.</summary>
public static class TrainingRuntimes
{
    /// <summary>The runtime <see cref="TrainOptions.Runtime"/> names.</summary>
    public static ITrainingRuntime Create(TrainOptions options) => options.Runtime switch
    {
        "async" => new AsyncRuntime(options),
        _ => new SynchronousRuntime(options),
    };
}
