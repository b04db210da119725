using Delight.Numerics;

namespace Delight.Versions;

/// <summary>
/// The newest published parameters, for actors on other threads: the learner publishes each version (one copy of
/// the contiguous buffer under a lock), an actor copies it out when it is newer than what it holds. Copies are
/// whole, so an actor never samples with a torn mix of two versions.
/// </summary>
public sealed class ParameterBoard(int bufferLength)
{
    readonly float[] _values = new float[bufferLength];
    readonly Lock _lock = new();

    /// <summary>Newest version published, or −1.</summary>
    public long Version { get; private set; } = -1;

    public void Publish(long version, ParameterSet parameters)
    {
        lock (_lock)
        {
            parameters.CopyValuesTo(_values);
            Version = version;
        }
    }

    /// <summary>Copies the newest parameters into <paramref name="parameters"/> if they are newer than <paramref name="held"/>; returns the version now held.</summary>
    public long Refresh(long held, ParameterSet parameters)
    {
        lock (_lock)
        {
            if (Version <= held) return held;
            parameters.CopyValuesFrom(_values);
            return Version;
        }
    }
}
