namespace Delight.Runtime;

/// <summary>The learner's optimizers (<c>--optimizer</c>).</summary>
public enum OptimizerKind
{
    /// <summary><see cref="Numerics.Adam"/>, bias-corrected.</summary>
    Adam,
    /// <summary><see cref="Numerics.Sgd"/>, plain gradient steps.</summary>
    Sgd,
}

/// <summary>The optimizer part of a run. Null takes the task's default (<see cref="Environments.TaskCatalog.Defaults"/>).</summary>
public sealed record OptimizerOptions
{
    [Option("lr", "Learning rate (default: the task's; Adam 3e-4 for token tasks, 1e-3 for mnist).", Min = 0, Max = 1e3)]
    public float? LearningRate { get; init; }
    [Option("optimizer", "adam or sgd (default: the task's).")]
    public OptimizerKind? Kind { get; init; }
}
