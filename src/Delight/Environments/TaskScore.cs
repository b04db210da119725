using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// The environment as the evaluator sees it: the same prompts (zero prompts and finite sets included), scored by the
/// task alone. A landmine's or a poison token's penalty and zero-prompt noise shape training rewards, but an error is
/// 1 − the task's own score, so it stays in [0, 1] whatever the wrappers add.
/// </summary>
public sealed class TaskScore(ITokenEnvironment inner) : TokenEnvironmentWrapper(inner)
{
    /// <summary>Nothing is added: the wrappers beneath are skipped, and so are their draws.</summary>
    public override float AddWrapperRewards(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float score, Rng rng) => score;
}
