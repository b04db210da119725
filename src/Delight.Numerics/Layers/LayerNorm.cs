using System.Numerics.Tensors;

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
            var xr = x.Slice(r * c, c);
            var dyr = dy.Slice(r * c, c);
            var dxr = dx.Slice(r * c, c);
            var s = rstd[r];
            TensorPrimitives.Subtract(xr, mean[r], xHat);
            TensorPrimitives.Multiply(xHat, s, xHat);
            TensorPrimitives.FusedMultiplyAdd(dyr, xHat, dGamma, dGamma);
            TensorPrimitives.Add(dBeta, dyr, dBeta);
            TensorPrimitives.Multiply(dyr, gamma, dxHat);
            var meanDxHat = TensorPrimitives.Sum(dxHat) / c;
            var meanDxHatXHat = TensorPrimitives.Dot(dxHat, xHat) / c;
            for (var i = 0; i < c; i++)
                dxr[i] += s * (dxHat[i] - meanDxHat - xHat[i] * meanDxHatXHat);
        }
        // Sums of tiny gradients can land below the normal range; Adam would then multiply subnormals.
        Denormals.FlushToZero(dGamma);
        Denormals.FlushToZero(dBeta);
    }
}
