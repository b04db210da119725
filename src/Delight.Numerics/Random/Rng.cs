namespace Delight.Numerics;

/// <summary>
/// A seeded, splittable random stream (xoshiro256** seeded through SplitMix64). Every component and every actor
/// owns its own stream split from the run seed, so adding a draw in one place never shifts another's numbers.
/// The state is four words and can be saved and restored exactly (checkpoints, resume).
/// </summary>
public sealed class Rng
{
    ulong _s0, _s1, _s2, _s3;
    double? _spareNormal;

    public Rng(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for a named purpose; deterministic in (this stream's seed path, id).</summary>
    public Rng Split(ulong streamId)
    {
        var x = _s0 ^ Rotl(_s1, 17) ^ Rotl(_s2, 31) ^ Rotl(_s3, 47) ^ (0x9E3779B97F4A7C15UL * (streamId + 1));
        return new Rng(SplitMix(ref x));
    }

    public Rng Split(string purpose)
    {
        // FNV-1a: a stable hash (string.GetHashCode is randomised per process).
        var hash = 14695981039346656037UL;
        foreach (var ch in purpose) hash = (hash ^ ch) * 1099511628211UL;
        return Split(hash);
    }

    public ulong NextUInt64()
    {
        var result = Rotl(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = Rotl(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, exclusiveMax) without modulo bias (Lemire's method).</summary>
    public int NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), "exclusiveMax must be >= 1.");
        var range = (ulong)exclusiveMax;
        var product = Math.BigMul(NextUInt64(), range, out var low);
        if (low < range)
        {
            var threshold = (0 - range) % range;
            while (low < threshold) product = Math.BigMul(NextUInt64(), range, out low);
        }
        return (int)product;
    }

    /// <summary>Standard normal (Marsaglia polar method; the spare value is kept).</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        var factor = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareNormal = v * factor;
        return u * factor;
    }

    /// <summary>Normal truncated at ±2 standard deviations (redrawn outside), the LeCun/Flax initialiser's shape.</summary>
    public double NextTruncatedNormal()
    {
        while (true)
        {
            var x = NextNormal();
            if (x is >= -2 and <= 2) return x;
        }
    }

    /// <summary>The full state, for checkpoints. <see cref="Restore"/> continues the stream exactly.</summary>
    public RngState Save() => new(_s0, _s1, _s2, _s3, _spareNormal);

    public void Restore(RngState state)
    {
        (_s0, _s1, _s2, _s3, _spareNormal) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal);
    }

    static ulong Rotl(ulong x, int k) => (x << k) | (x >> (64 - k));

    static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
