namespace Delight.Distributed;

/// <summary>
/// A decoded, validated rollout waiting for the learner's verdict. Pooled: after
/// <see cref="RolloutReceiver.AcceptAsync"/> or <see cref="RolloutReceiver.RejectAsync(ReceivedRollout, RejectReason, string, CancellationToken)"/> it is reused for a later
/// message, so the caller must not keep it (or its <see cref="Rollout"/>) past that call.
/// </summary>
public sealed class ReceivedRollout
{
    internal ReceivedRollout(RolloutShape shape) => Rollout = shape.NewRollout();

    public Rollout Rollout { get; }
    public RolloutOrigin Origin { get; internal set; }
    /// <summary>True when the broker had delivered this message before (to a learner that did not ack it).</summary>
    public bool Redelivered { get; internal set; }
    internal ulong DeliveryTag { get; set; }
    /// <summary>The connection session the delivery tag belongs to: a tag is meaningless on any later channel.</summary>
    internal RolloutReceiver.Session? Session { get; set; }
}
