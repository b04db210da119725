namespace Delight.Runtime;

/// <summary>The output part of a run: what the run folder receives, and how often.</summary>
public sealed record OutputOptions
{
    [Option("log-every", "Write metrics every N steps.", Min = 1, Max = 1e8)]
    public int LogEvery { get; init; } = 1;
    [Option("checkpoint-every", "Write policy.safetensors and the training state every N steps (0: only at the end).", Min = 0, Max = 1e8)]
    public int CheckpointEvery { get; init; }
    [Option("tensorboard", "Also write TensorBoard scalars beside metrics.jsonl.")]
    public bool TensorBoard { get; init; }

    public void Validate()
    {
        if (LogEvery <= 0) throw new OptionException("--log-every", $"--log-every must be a positive integer, got {LogEvery}.");
        if (CheckpointEvery < 0) throw new OptionException("--checkpoint-every", $"--checkpoint-every must be >= 0, got {CheckpointEvery}.");
    }
}
