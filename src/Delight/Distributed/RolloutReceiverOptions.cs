namespace Delight.Distributed;

public sealed record RolloutReceiverOptions
{
    /// <summary>
    /// Unacknowledged rollouts the broker may push ahead of the learner. Default 4: enough to hide the network while the
    /// learner steps, few enough that rollouts wait (and age) in the durable queue rather than in learner memory.
    /// At most <see cref="DuplicateFilter.Window"/>.
    /// </summary>
    public int Prefetch
    {
        get;
        init => field = value is >= 1 and <= DuplicateFilter.Window ? value
            : throw new ArgumentOutOfRangeException(nameof(Prefetch), $"prefetch {value} must be in [1, {DuplicateFilter.Window}].");
    } = 4;
}
