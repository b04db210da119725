namespace Delight.Numerics;

/// <summary>
/// A lookup table [count, width]: row i is the vector of token (or position) i.
/// Backward scatters the output gradient back into the rows that were read (accumulating).
/// </summary>
public sealed class Embedding
{
    public Embedding(ParameterSet parameters, string name, int count, int width)
    {
        Count = count;
        Width = width;
        Table = parameters.Add(name + ".weight", count, width);
    }

    public int Count { get; }
    public int Width { get; }
    public Parameter Table { get; }

    /// <summary>N(0, 1/width), the reference's initialiser.</summary>
    public void Initialize(Rng rng)
    {
        var std = 1.0 / Math.Sqrt(Width);
        var t = Table.Value;
        for (var i = 0; i < t.Length; i++) t[i] = (float)(std * rng.NextNormal());
    }

    /// <summary>y[n] (+)= Table[ids[n]]; ids must be in [0, Count) (checked at the edge, asserted here).</summary>
    public void Forward(ReadOnlySpan<int> ids, Span<float> y, bool accumulate)
    {
        ReadOnlySpan<float> table = Table.Value;
        for (var n = 0; n < ids.Length; n++)
        {
            var id = ids[n];
            System.Diagnostics.Debug.Assert((uint)id < (uint)Count);
            var src = table.Slice(id * Width, Width);
            var dst = y.Slice(n * Width, Width);
            if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
            else src.CopyTo(dst);
        }
    }

    /// <summary>dTable[ids[n]] += dy[n].</summary>
    public void Backward(ReadOnlySpan<int> ids, ReadOnlySpan<float> dy)
    {
        var dTable = Table.Gradient;
        for (var n = 0; n < ids.Length; n++)
        {
            var dst = dTable.Slice(ids[n] * Width, Width);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, dy.Slice(n * Width, Width), dst);
        }
        // Sums of tiny gradients that nearly cancel can land below the normal range.
        Denormals.FlushToZero(dTable);
    }
}
