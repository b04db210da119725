using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Delight.Numerics;

/// <summary>
/// y = (x − μ)·rstd·γ + β per row, rstd = 1/√(var + ε), var the biased variance (PyTorch's LayerNorm).
/// Legend: N rows, C channels. Forward saves μ and rstd per row for backward.
/// </summary>
public sealed class LayerNorm
{
    public LayerNorm(ParameterSet parameters, string name, int channelCount, float epsilon = 1e-5f)
    {
        ChannelCount = channelCount;
        Epsilon = epsilon;
        Weight = parameters.Add(name + ".weight", channelCount);
        Bias = parameters.Add(name + ".bias", channelCount);
    }

    public int ChannelCount { get; }
    public float Epsilon { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }

    public void Initialize()
    {
        Weight.Value.Fill(1f);
        Bias.Value.Clear();
    }

    /// <param name="x">[N, C]</param><param name="y">[N, C], overwritten</param>
    /// <param name="mean">[N]</param><param name="rstd">[N]</param>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mean, Span<float> rstd, int rowCount)
    {
        var c = ChannelCount;
        ReadOnlySpan<float> gamma = Weight.Value, beta = Bias.Value;
        for (var r = 0; r < rowCount; r++)
        {
            var xr = x.Slice(r * c, c);
            var yr = y.Slice(r * c, c);
            var mu = TensorPrimitives.Sum(xr) / c;
            // Two-pass variance: y temporarily holds x − μ.
            TensorPrimitives.Subtract(xr, mu, yr);
            var variance = TensorPrimitives.SumOfSquares(yr) / c;
            var s = 1f / MathF.Sqrt(variance + Epsilon);
            mean[r] = mu;
            rstd[r] = s;
            TensorPrimitives.Multiply(yr, s, yr);
            TensorPrimitives.FusedMultiplyAdd(yr, gamma, beta, yr);
        }
    }

    /// <summary>
    /// dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ; dγ += Σ dy·x̂; dβ += Σ dy.
    /// <paramref name="scratch"/> needs 2·C floats. dγ and dβ leave with subnormals flushed to +0.
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> scratch, int rowCount)
    {
        var c = ChannelCount;
        ReadOnlySpan<float> gamma = Weight.Value;
        Span<float> dGamma = Weight.Gradient, dBeta = Bias.Gradient;
        var xHat = scratch[..c];
        var dxHat = scratch.Slice(c, c);
        for (var r = 0; r < rowCount; r++)
        {
            var dyr = dy.Slice(r * c, c);
            var s = rstd[r];
            Normalize(x.Slice(r * c, c), mean[r], s, xHat);
            TensorPrimitives.FusedMultiplyAdd(dyr, xHat, dGamma, dGamma);
            TensorPrimitives.Add(dBeta, dyr, dBeta);
            InputGradientRow(dyr, gamma, xHat, dxHat, s, dx.Slice(r * c, c));
        }
        // Sums of tiny gradients can land below the normal range; Adam would then multiply subnormals.
        Denormals.FlushToZero(dGamma);
        Denormals.FlushToZero(dBeta);
    }

    /// <summary>
    /// The parameter half of <see cref="Backward"/>: dγ += Σ dy·x̂ and dβ += Σ dy over the rows in row order (the same
    /// sums as <see cref="Backward"/>), flushed. <paramref name="scratch"/> needs C floats.
    /// </summary>
    public void ParameterGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
        Span<float> scratch, int rowCount)
    {
        var c = ChannelCount;
        Span<float> dGamma = Weight.Gradient, dBeta = Bias.Gradient;
        var xHat = scratch[..c];
        for (var r = 0; r < rowCount; r++)
        {
            var dyr = dy.Slice(r * c, c);
            Normalize(x.Slice(r * c, c), mean[r], rstd[r], xHat);
            TensorPrimitives.FusedMultiplyAdd(dyr, xHat, dGamma, dGamma);
            TensorPrimitives.Add(dBeta, dyr, dBeta);
        }
        Denormals.FlushToZero(dGamma);
        Denormals.FlushToZero(dBeta);
    }

    /// <summary>
    /// The input half of <see cref="Backward"/>: dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) row by row (each row
    /// alone, so any split of the rows gives the same bits). <paramref name="scratch"/> needs 2·C floats.
    /// </summary>
    public void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> scratch, int rowCount)
    {
        var c = ChannelCount;
        ReadOnlySpan<float> gamma = Weight.Value;
        var xHat = scratch[..c];
        var dxHat = scratch.Slice(c, c);
        for (var r = 0; r < rowCount; r++)
        {
            var s = rstd[r];
            Normalize(x.Slice(r * c, c), mean[r], s, xHat);
            InputGradientRow(dy.Slice(r * c, c), gamma, xHat, dxHat, s, dx.Slice(r * c, c));
        }
    }

    /// <summary>x̂ = (x − μ)·rstd for one row, as the forward computed it (a subtraction, then a multiply).</summary>
    static void Normalize(ReadOnlySpan<float> xRow, float mean, float rstd, Span<float> xHat)
    {
        TensorPrimitives.Subtract(xRow, mean, xHat);
        TensorPrimitives.Multiply(xHat, rstd, xHat);
    }

    static void InputGradientRow(ReadOnlySpan<float> dyr, ReadOnlySpan<float> gamma, ReadOnlySpan<float> xHat, Span<float> dxHat,
        float s, Span<float> dxr)
    {
        var c = dxr.Length;
        TensorPrimitives.Multiply(dyr, gamma, dxHat);
        var meanDxHat = TensorPrimitives.Sum(dxHat) / c;
        var meanDxHatXHat = TensorPrimitives.Dot(dxHat, xHat) / c;
        AccumulateInputGradient(dxHat, xHat, meanDxHat, meanDxHatXHat, s, dxr);
    }

    /// <summary>
    /// dx[i] += s·((dx̂[i] − m1) − x̂[i]·m2), vectorised. Each element takes the same four roundings in the same order
    /// as <see cref="AccumulateInputGradientScalar"/> (a multiply, two subtractions, a multiply and an add, no fusing),
    /// so both give the same bits (tested).
    /// </summary>
    internal static void AccumulateInputGradient(ReadOnlySpan<float> dxHat, ReadOnlySpan<float> xHat, float m1, float m2, float s,
        Span<float> dx)
    {
        var i = 0;
        ref var pd = ref MemoryMarshal.GetReference(dxHat);
        ref var px = ref MemoryMarshal.GetReference(xHat);
        ref var po = ref MemoryMarshal.GetReference(dx);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> v1 = Vector512.Create(m1), v2 = Vector512.Create(m2), vs = Vector512.Create(s);
            for (; i <= dx.Length - 16; i += 16)
            {
                var t = Vector512.LoadUnsafe(ref pd, (nuint)i) - v1 - Vector512.LoadUnsafe(ref px, (nuint)i) * v2;
                (Vector512.LoadUnsafe(ref po, (nuint)i) + vs * t).StoreUnsafe(ref po, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> v1 = Vector256.Create(m1), v2 = Vector256.Create(m2), vs = Vector256.Create(s);
            for (; i <= dx.Length - 8; i += 8)
            {
                var t = Vector256.LoadUnsafe(ref pd, (nuint)i) - v1 - Vector256.LoadUnsafe(ref px, (nuint)i) * v2;
                (Vector256.LoadUnsafe(ref po, (nuint)i) + vs * t).StoreUnsafe(ref po, (nuint)i);
            }
        }
        AccumulateInputGradientScalar(dxHat[i..], xHat[i..], m1, m2, s, dx[i..]);
    }

    /// <summary>The scalar reference of <see cref="AccumulateInputGradient"/>.</summary>
    internal static void AccumulateInputGradientScalar(ReadOnlySpan<float> dxHat, ReadOnlySpan<float> xHat, float m1, float m2, float s,
        Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
            dx[i] += s * (dxHat[i] - m1 - xHat[i] * m2);
    }
}
