using Delight.Distributed;

namespace Delight.RabbitMq;

public sealed record RolloutReceiverOptions
{
    /// <summary>
    /// Unacknowledged rollouts the broker may push ahead of the learner, decided-but-uncommitted ones included (see
    /// <see cref="DeferAcknowledgements"/>). Default 4: enough to hide the network while the learner steps.
    /// </summary>
    public int Prefetch
    {
        get;
        init => field = value is >= 1 and <= ushort.MaxValue ? value
            : throw new ArgumentOutOfRangeException(nameof(Prefetch), $"prefetch {value} must be in [1, {ushort.MaxValue}].");
    } = 4;

    /// <summary>
    /// Decoded rollouts waiting for the learner; when full, the receiver stops reading (back-pressure to the broker).
    /// Bounds the memory a flood of valid rollouts can take.
    /// </summary>
    public int ReadyCapacity
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ReadyCapacity), $"ready capacity {value} must be >= 1.");
    } = 8;

    /// <summary>
    /// False (default): <see cref="RolloutReceiver.AcceptAsync"/> and RejectAsync acknowledge at once. True: decisions
    /// are only recorded, and <see cref="RolloutReceiver.CommitAsync"/> acknowledges them (and publishes the dead
    /// letters) after the learner made them durable in a checkpoint — so a learner crash loses no rollout.
    /// </summary>
    public bool DeferAcknowledgements { get; init; }

    /// <summary>
    /// Take the queue with an exclusive consumer: a second learner on the same run is refused by the broker. When the
    /// queue is held, retry this long (a crashed learner's connection may take a heartbeat to be noticed), then fail.
    /// Null: share the queue (tests, tools).
    /// </summary>
    public TimeSpan? ExclusiveWait { get; init; }

    /// <summary>Told of every message refused on arrival (invalid, foreign, or unusable by the method), from the receiver's thread.</summary>
    public Action<RejectReason>? OnInvalid { get; init; }
}
