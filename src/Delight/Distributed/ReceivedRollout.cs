namespace Delight.Distributed;

/// <summary>
/// A decoded, validated rollout waiting for the learner's verdict. Pooled: after the verdict
/// (<see cref="ILearnerTransport.AcceptAsync"/>, <see cref="ILearnerTransport.RejectAsync"/>)
/// it is reused for a later message, so the caller must not keep it (or its <see cref="Rollout"/>) past that call.
/// </summary>
public sealed class ReceivedRollout
{
    /// <summary>A transport makes these (and may pool them) with the shape of the learner's <see cref="RolloutCheck"/>.</summary>
    public ReceivedRollout(RolloutShape shape) => Rollout = shape.NewRollout();

    public Rollout Rollout { get; }
    public RolloutOrigin Origin { get; set; }
    /// <summary>The epoch of the parameters it was sampled with, and the credit it answers.</summary>
    public RolloutStamp Stamp { get; set; }
    /// <summary>True when the broker had delivered this message before (to a learner that did not ack it).</summary>
    public bool Redelivered { get; set; }
}
