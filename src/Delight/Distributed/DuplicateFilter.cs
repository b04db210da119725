using System.Globalization;
using System.Runtime.InteropServices;

namespace Delight.Distributed;

/// <summary>
/// Remembers, per actor, which sequence numbers were already handed to the learner: the newest one and a 64-bit
/// window of those below it (the anti-replay window of IPsec). A sender retries only its newest message, so 64 bits
/// suffice; anything older than the window is treated as seen. At most <see cref="MaxActors"/> actors are remembered:
/// the one heard from longest ago is forgotten first (an actor that died long ago sends nothing more), so memory stays
/// bounded however many actors come and go. Thread-safe; allocates only for a new actor.
/// <para>
/// Saved in the learner's checkpoint (<see cref="Save"/>), so a resumed learner still drops a second copy of a
/// rollout its checkpoint already decided (a sender's retry after a broker restart can leave two in the queue). The
/// rollouts that were in flight at the checkpoint are saved as exceptions: their redeliveries must pass.
/// </para>
/// </summary>
public sealed class DuplicateFilter(int maxActors = DuplicateFilter.DefaultMaxActors)
{
    public const int Window = 64;
    public const int DefaultMaxActors = 4096;
    readonly Dictionary<ulong, (ulong Newest, ulong Seen, long LastUsed)> _actors = [];
    readonly HashSet<RolloutOrigin> _exceptions = [];
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
            if (_exceptions.Remove(origin)) return true;
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

    /// <summary>
    /// "actor:newest:bits;…" then "|" and the origins that must pass once even though marked ("actor:sequence;…").
    /// </summary>
    public string Save(IEnumerable<RolloutOrigin> exceptions)
    {
        lock (_actors)
        {
            var marks = string.Join(';', _actors.Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key:x16}:{a.Value.Newest}:{a.Value.Seen:x16}")));
            var passes = string.Join(';', exceptions.Concat(_exceptions).Distinct().Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.ActorId:x16}:{o.Sequence}")));
            return marks + "|" + passes;
        }
    }

    /// <exception cref="FormatException">the text is not what <see cref="Save"/> writes</exception>
    public void Restore(string text)
    {
        var halves = text.Split('|');
        if (halves.Length != 2) throw new FormatException("a duplicate filter is 'marks|exceptions'.");
        lock (_actors)
        {
            _actors.Clear();
            _exceptions.Clear();
            foreach (var part in halves[0].Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = part.Split(':');
                if (f.Length != 3 || !ulong.TryParse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var actor)
                    || !ulong.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var newest)
                    || !ulong.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var seen))
                    throw new FormatException($"'{part}' is not an actor:newest:bits mark.");
                if (_actors.Count < MaxActors) _actors[actor] = (newest, seen, ++_clock);
            }
            foreach (var part in halves[1].Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = part.Split(':');
                if (f.Length != 2 || !ulong.TryParse(f[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var actor)
                    || !ulong.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequence))
                    throw new FormatException($"'{part}' is not an actor:sequence origin.");
                _exceptions.Add(new RolloutOrigin(actor, sequence));
            }
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
