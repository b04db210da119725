namespace Delight.Frictions;

/// <summary>Which frictions touched a rollout row; recorded by the actor so the learner never has to guess.</summary>
[Flags]
public enum RowFriction : byte
{
    None = 0,
    /// <summary>Answer replaced by the landmine; behaviour log-probs no longer match the policy.</summary>
    Bug = 1,
    /// <summary>Answer replaced by the correct one; behaviour log-probs no longer match the policy.</summary>
    Discovery = 2,
    /// <summary>Answer replaced by random tokens; behaviour log-probs no longer match the policy.</summary>
    Random = 4,
    /// <summary>Reward replaced by a fair coin.</summary>
    RewardFlip = 8,
    /// <summary>Sampled with parameters older than the learner's.</summary>
    Stale = 16,
}
