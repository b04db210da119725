using System.Globalization;
using System.Security.Cryptography;

namespace Delight.Distributed;

/// <summary>One set of parameters on the wire: the learner incarnation that published it and its version.</summary>
public readonly record struct PolicyStamp(ulong Epoch, long Version);

/// <summary>
/// The incarnations (epochs) of a run's learner, oldest first, each with the version it started from. A learner that
/// dies and resumes from its last checkpoint restarts at that checkpoint's version, so version numbers repeat; the
/// epoch (a fresh random id per start) tells them apart. Parameters (epoch e, version v) belong to the current
/// history when e is the current epoch, or when e is an earlier incarnation and v is at most the version its successor
/// resumed from — everything later was lost with the crash and must never be taken for fresh data.
/// </summary>
public sealed class LearnerLineage
{
    /// <summary>Incarnations remembered; an older one is treated as lost (its rollouts are refused as unknown).</summary>
    public const int Capacity = 256;
    readonly List<(ulong Epoch, long Start)> _epochs = [];

    public ulong Current => _epochs.Count == 0 ? 0 : _epochs[^1].Epoch;
    public int Count => _epochs.Count;

    /// <summary>A fresh epoch id: random and non-zero (0 means "no epoch" on the wire).</summary>
    public static ulong NewEpoch()
    {
        ulong id;
        do id = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)); while (id == 0);
        return id;
    }

    /// <summary>Starts a new incarnation at <paramref name="startVersion"/> (the restored checkpoint's version, or 0).</summary>
    public void Begin(ulong epoch, long startVersion)
    {
        if (epoch == 0) throw new ArgumentOutOfRangeException(nameof(epoch), "epoch 0 means 'none' on the wire.");
        if (_epochs.Count > 0 && startVersion < _epochs[^1].Start)
            throw new ArgumentOutOfRangeException(nameof(startVersion), $"an incarnation cannot start at version {startVersion}, before its predecessor's {_epochs[^1].Start}.");
        _epochs.Add((epoch, startVersion));
        if (_epochs.Count > Capacity) _epochs.RemoveAt(0);
    }

    /// <summary>True when <paramref name="stamp"/> names parameters of this run's history, up to <paramref name="currentVersion"/>.</summary>
    public bool Contains(PolicyStamp stamp, long currentVersion)
    {
        if (stamp.Version < 0) return false;
        for (var i = _epochs.Count - 1; i >= 0; i--)
        {
            if (_epochs[i].Epoch != stamp.Epoch) continue;
            var end = i == _epochs.Count - 1 ? currentVersion : _epochs[i + 1].Start;
            return stamp.Version <= end;
        }
        return false;
    }

    /// <summary>"epoch:start;…" in hex and decimal, for the training state.</summary>
    public string Save() => string.Join(';', _epochs.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Epoch:x16}:{e.Start}")));

    /// <exception cref="FormatException">the text is not what <see cref="Save"/> writes</exception>
    public static LearnerLineage Restore(string text)
    {
        var lineage = new LearnerLineage();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = part.Split(':');
            if (fields.Length != 2
                || !ulong.TryParse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var epoch)
                || !long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start))
                throw new FormatException($"'{part}' is not an epoch:start-version pair.");
            lineage.Begin(epoch, start);
        }
        return lineage;
    }
}
