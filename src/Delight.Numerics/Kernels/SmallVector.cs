using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Delight.Numerics;

/// <summary>
/// Dot and axpy for short vectors (an attention head is 16 floats), inlined into their callers: at this length the
/// call and dispatch overhead of a general library routine costs more than the arithmetic.
/// </summary>
public static class SmallVector
{
    /// <summary>Σ a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = a.Length;
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16)
                acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), acc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc);
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), sum);
        return sum;
    }

    /// <summary>y[i] += alpha·x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        var n = x.Length;
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i <= n - 16; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, (nuint)i), a, Vector512.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= n - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, (nuint)i), a, Vector256.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref py, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref px, i), alpha, Unsafe.Add(ref py, i));
    }

    /// <summary>The scalar references.</summary>
    public static float DotScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++) sum = MathF.FusedMultiplyAdd(a[i], b[i], sum);
        return sum;
    }

    public static void AxpyScalar(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < x.Length; i++) y[i] = MathF.FusedMultiplyAdd(x[i], alpha, y[i]);
    }
}
