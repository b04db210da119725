using Delight.Numerics;

namespace Delight.Versions;

/// <summary>
/// The last few policy versions' parameters, oldest overwritten first: what a stale actor samples with. Buffers are
/// allocated once; publishing is one copy of the contiguous parameter buffer.
/// </summary>
public sealed class SnapshotRing
{
    readonly float[][] _buffers;
    readonly long[] _versions;

    /// <param name="depth">versions kept: the current one and <paramref name="depth"/> − 1 older ones</param>
    public SnapshotRing(int depth, int bufferLength)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), $"depth {depth} must be >= 1.");
        _buffers = new float[depth][];
        _versions = new long[depth];
        for (var i = 0; i < depth; i++)
        {
            _buffers[i] = new float[bufferLength];
            _versions[i] = -1;
        }
    }

    public int Depth => _buffers.Length;
    /// <summary>Newest version published, or −1.</summary>
    public long Newest { get; private set; } = -1;

    public void Publish(long version, ParameterSet parameters)
    {
        var slot = (int)(version % Depth);
        parameters.CopyValuesTo(_buffers[slot]);
        _versions[slot] = version;
        Newest = Math.Max(Newest, version);
    }

    /// <summary>Oldest version still held.</summary>
    public long Oldest => Newest < 0 ? -1 : Math.Max(0, Newest - Depth + 1);

    /// <summary>Loads version <paramref name="version"/> into <paramref name="parameters"/>; it must still be held.</summary>
    public void Load(long version, ParameterSet parameters)
    {
        var slot = (int)(version % Depth);
        if (version < 0 || _versions[slot] != version)
            throw new ArgumentOutOfRangeException(nameof(version), $"version {version} is not in the ring (held: {Oldest}…{Newest}).");
        parameters.CopyValuesFrom(_buffers[slot]);
    }

    public void SaveState(Runtime.TrainingState state)
    {
        state.Put("ring.newest", Newest);
        for (var i = 0; i < Depth; i++)
        {
            state.Put($"ring.{i}.version", _versions[i]);
            state.Put($"ring.{i}", _buffers[i]);
        }
    }

    public void RestoreState(Runtime.TrainingState state)
    {
        Newest = state.GetLong("ring.newest", -1, long.MaxValue);
        for (var i = 0; i < Depth; i++)
        {
            _versions[i] = state.GetLong($"ring.{i}.version", -1, Newest);
            state.Get($"ring.{i}", _buffers[i]);
        }
    }
}
