using System.Numerics.Tensors;

namespace Delight.Numerics;

/// <summary>y = max(x, 0); dx = dy where x &gt; 0.</summary>
public static class Relu
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>dx = dy·1[x &gt; 0] (overwrites dx; dx may alias dy).</summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < x.Length; i++) dx[i] = x[i] > 0f ? dy[i] : 0f;
    }
}
