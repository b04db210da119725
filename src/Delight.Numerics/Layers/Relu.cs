using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Delight.Numerics;

/// <summary>y = max(x, 0); dx = dy where x &gt; 0.</summary>
public static class Relu
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>dx = dy·1[x &gt; 0] (overwrites dx; dx may alias dy). Branch-free: the sign pattern is random.</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var i = 0;
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var pdy = ref MemoryMarshal.GetReference(dy);
        ref var pdx = ref MemoryMarshal.GetReference(dx);
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - 16; i += 16)
            {
                var positive = Vector512.GreaterThan(Vector512.LoadUnsafe(ref px, (nuint)i), Vector512<float>.Zero);
                Vector512.BitwiseAnd(Vector512.LoadUnsafe(ref pdy, (nuint)i), positive).StoreUnsafe(ref pdx, (nuint)i);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= x.Length - 8; i += 8)
            {
                var positive = Vector256.GreaterThan(Vector256.LoadUnsafe(ref px, (nuint)i), Vector256<float>.Zero);
                Vector256.BitwiseAnd(Vector256.LoadUnsafe(ref pdy, (nuint)i), positive).StoreUnsafe(ref pdx, (nuint)i);
            }
        BackwardScalar(x[i..], dy[i..], dx[i..]);
    }

    /// <summary>The scalar reference.</summary>
    public static void BackwardScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < x.Length; i++) dx[i] = x[i] > 0f ? dy[i] : 0f;
    }
}
