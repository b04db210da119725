using System.Runtime.InteropServices;

namespace Delight.Distributed;

/// <summary>
/// Remembers, per actor, which sequence numbers were already handed to the learner: the newest one and a 64-bit
/// window of those below it (the anti-replay window of IPsec). A message is redelivered only while unacknowledged,
/// and at most <see cref="RolloutReceiverOptions.Prefetch"/> ≤ 64 are, so 64 bits suffice; anything older than the
/// window is treated as seen. Thread-safe; allocates only for a new actor.
/// </summary>
sealed class DuplicateFilter
{
    public const int Window = 64;
    readonly Dictionary<ulong, (ulong Newest, ulong Seen)> _actors = [];

    /// <summary>True the first time (actor, sequence) is offered; false for a duplicate.</summary>
    public bool TryMark(RolloutOrigin origin)
    {
        lock (_actors)
        {
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_actors, origin.ActorId, out var known);
            if (!known || origin.Sequence > state.Newest)
            {
                var shift = known ? origin.Sequence - state.Newest : Window;
                state = (origin.Sequence, (shift >= Window ? 0 : state.Seen << (int)shift) | 1);
                return true;
            }
            var age = state.Newest - origin.Sequence;
            if (age >= Window) return false;
            var bit = 1UL << (int)age;
            if ((state.Seen & bit) != 0) return false;
            state.Seen |= bit;
            return true;
        }
    }
}
