using Delight.Learning;

namespace Delight.Runtime;

/// <summary>
/// The batch part of a run: its shape and how its rewards are baselined. Null takes the task's default
/// (<see cref="Environments.TaskCatalog.Defaults"/>), resolved by <see cref="TrainOptions"/>.
/// </summary>
public sealed record BatchOptions
{
    [Option("prompts", "Prompts (contexts) per batch (default: the task's; 10 for token tasks, 100 for mnist).", Min = 1, Max = 10_000)]
    public int? Prompts { get; init; }
    [Option("samples", "Samples per prompt (default: the task's; 10 for token tasks, 1 for mnist).", Min = 1, Max = 10_000)]
    public int? Samples { get; init; }
    /// <summary>grouped (mean reward of the samples sharing a prompt), global (batch mean) or expected-confidence.</summary>
    [Option("advantage", "Baseline: grouped (per prompt), global (batch mean) or expected-confidence (Σπ², one-step tasks); default: the task's.")]
    public AdvantageEstimator? Advantage { get; init; }
}
