namespace Delight.Runtime;

/// <summary>
/// The learner produced non-finite parameters. Nothing was published or checkpointed after it: the last checkpoint is
/// the last consistent state. A user-facing stop ("diverged at step k"), not a bug in Delight.
/// </summary>
public sealed class DivergedException(int step, string detail)
    : Exception($"diverged at step {step}: {detail}; nothing was published or checkpointed after it. Lower --lr, or resume from the last checkpoint.")
{
    public int Step { get; } = step;
}
