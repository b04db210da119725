using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Delight.Numerics;

/// <summary>
/// Flush-to-zero in software. A saturated policy puts probabilities like 1e-40 into softmax outputs, and their
/// squares into Adam's second moments; subnormal floats make every later multiply-add on them up to 100x slower on
/// x86. .NET gives no portable way to set the FTZ/DAZ bits, so the places where subnormals arise flush them here.
/// Values below <see cref="MinNormal"/> in magnitude become +0; all others are unchanged, NaN and infinities included
/// (a NaN gradient is the gradient-health signal of a broken step, not something to hide).
/// </summary>
public static class Denormals
{
    /// <summary>Smallest positive normal float32 (2⁻¹²⁶).</summary>
    public const float MinNormal = 1.17549435e-38f;

    public static void FlushToZero(Span<float> values)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated && values.Length >= Vector512<float>.Count)
        {
            var min = Vector512.Create(MinNormal);
            ref var start = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref start, (nuint)i);
                // "Below MinNormal", not "not at least MinNormal": a NaN compares false either way and must be kept, as
                // the scalar path keeps it (the old mask zeroed NaNs in whole blocks and kept them in the tail).
                var flush = Vector512.LessThan(Vector512.Abs(v), min);
                // Almost every block has nothing to flush: writing it back unchanged would double the pass's traffic.
                if (flush.ExtractMostSignificantBits() != 0) Vector512.AndNot(v, flush).StoreUnsafe(ref start, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var min = Vector256.Create(MinNormal);
            ref var start = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                var flush = Vector256.LessThan(Vector256.Abs(v), min);
                if (flush.ExtractMostSignificantBits() != 0) Vector256.AndNot(v, flush).StoreUnsafe(ref start, (nuint)i);
            }
        }
        FlushToZeroScalar(values[i..]);
    }

    /// <summary>One value: +0 if below <see cref="MinNormal"/> in magnitude, else unchanged.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Flush(float value) => MathF.Abs(value) < MinNormal ? 0f : value;

    /// <summary>The scalar reference.</summary>
    public static void FlushToZeroScalar(Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
            if (MathF.Abs(values[i]) < MinNormal) values[i] = 0f;
    }

    public static int CountSubnormal(ReadOnlySpan<float> values)
    {
        var count = 0;
        foreach (var v in values)
            if (v != 0f && float.IsSubnormal(v)) count++;
        return count;
    }
}
