using System.Buffers.Binary;

namespace Delight.Distributed;

/// <summary>
/// Stops a crash loop on a rollout that kills the learner process outright (no exception to catch). Before applying a
/// rollout the learner writes its origin to a 24-byte marker file in the run folder, and clears it after. A learner
/// that starts and finds the marker set knows its predecessor died applying that rollout; the broker will redeliver it,
/// and after <see cref="Limit"/> such deaths it is refused as <see cref="RejectReason.Poison"/> instead of applied.
/// Two small writes per step, no fsync: a process crash does not lose them, only a machine crash would.
/// </summary>
public sealed class PoisonGuard : IDisposable
{
    public const string FileName = "applying.bin";
    /// <summary>Learner deaths while applying one rollout before it is refused.</summary>
    public const int Limit = 2;
    readonly FileStream _file;
    readonly byte[] _record = new byte[24];
    readonly RolloutOrigin _suspect;
    readonly long _suspectDeaths;

    public PoisonGuard(string folder)
    {
        _file = new FileStream(Path.Combine(folder, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        if (_file.Length >= _record.Length && _file.Read(_record) == _record.Length)
        {
            var deaths = BinaryPrimitives.ReadInt64LittleEndian(_record.AsSpan(16));
            var origin = new RolloutOrigin(BinaryPrimitives.ReadUInt64LittleEndian(_record), BinaryPrimitives.ReadUInt64LittleEndian(_record.AsSpan(8)));
            if (origin != default) (_suspect, _suspectDeaths) = (origin, deaths + 1);
        }
        Write(default, 0);
    }

    /// <summary>The rollout the previous learner died applying, and how many learners died on it; default when none.</summary>
    public (RolloutOrigin Origin, long Deaths) Suspect => (_suspect, _suspectDeaths);

    /// <summary>True when <paramref name="origin"/> has killed the learner <see cref="Limit"/> times.</summary>
    public bool IsPoison(RolloutOrigin origin) => origin == _suspect && _suspectDeaths >= Limit;

    public void BeforeApply(RolloutOrigin origin) => Write(origin, origin == _suspect ? _suspectDeaths : 0);

    public void AfterApply() => Write(default, 0);

    void Write(RolloutOrigin origin, long deaths)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_record, origin.ActorId);
        BinaryPrimitives.WriteUInt64LittleEndian(_record.AsSpan(8), origin.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(_record.AsSpan(16), deaths);
        _file.Position = 0;
        _file.Write(_record);
    }

    public void Dispose() => _file.Dispose();
}
