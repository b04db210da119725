using System.Runtime.InteropServices;

namespace Delight.Distributed;

/// <summary>
/// Remembers, per actor, which sequence numbers were already handed to the learner: the newest one and a 64-bit
/// window of those below it (the anti-replay window of IPsec). A sender retries only its newest message, so 64 bits
/// suffice; anything older than the window is treated as seen. At most <see cref="MaxActors"/> actors are remembered:
/// the one heard from longest ago is forgotten first (an actor that died long ago sends nothing more), so memory stays
/// bounded however many actors come and go. Thread-safe; allocates only for a new actor.
/// </summary>
sealed class DuplicateFilter(int maxActors = DuplicateFilter.DefaultMaxActors)
{
    public const int Window = 64;
    public const int DefaultMaxActors = 4096;
    readonly Dictionary<ulong, (ulong Newest, ulong Seen, long LastUsed)> _actors = [];
    long _clock;

    public int MaxActors { get; } = maxActors >= 1 ? maxActors : throw new ArgumentOutOfRangeException(nameof(maxActors));
    public int ActorCount
    {
        get { lock (_actors) return _actors.Count; }
    }

    /// <summary>True the first time (actor, sequence) is offered; false for a duplicate.</summary>
    public bool TryMark(RolloutOrigin origin)
    {
        lock (_actors)
        {
            if (!_actors.ContainsKey(origin.ActorId) && _actors.Count >= MaxActors) EvictOldest();
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_actors, origin.ActorId, out var known);
            state.LastUsed = ++_clock;
            if (!known || origin.Sequence > state.Newest)
            {
                var shift = known ? origin.Sequence - state.Newest : Window;
                state = (origin.Sequence, (shift >= Window ? 0 : state.Seen << (int)shift) | 1, state.LastUsed);
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

    void EvictOldest()
    {
        var oldest = (Id: 0UL, Used: long.MaxValue);
        foreach (var (id, state) in _actors)
            if (state.LastUsed < oldest.Used) oldest = (id, state.LastUsed);
        _actors.Remove(oldest.Id);
    }
}
