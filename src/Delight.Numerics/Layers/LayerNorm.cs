using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
            Center(xr, mu, yr);
            var variance = TensorPrimitives.SumOfSquares(yr) / c;
            var s = 1f / MathF.Sqrt(variance + Epsilon);
            mean[r] = mu;
            rstd[r] = s;
            ScaleShift(yr, s, gamma, beta);
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
            NormalizeAndAccumulate(x.Slice(r * c, c), mean[r], s, dyr, gamma, xHat, dxHat, dGamma, dBeta);
            InputGradientRow(xHat, dxHat, s, dx.Slice(r * c, c));
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
            NormalizeAndAccumulate(x.Slice(r * c, c), mean[r], rstd[r], dy.Slice(r * c, c), default, xHat, default, dGamma, dBeta);
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
            NormalizeAndAccumulate(x.Slice(r * c, c), mean[r], s, dy.Slice(r * c, c), gamma, xHat, dxHat, default, default);
            InputGradientRow(xHat, dxHat, s, dx.Slice(r * c, c));
        }
    }

    // Per-row element-wise passes, each fusing what were separate TensorPrimitives calls (at C = 64 a call's fixed cost
    // was most of a row's time). Every element takes the same roundings in the same order as the calls did; only the
    // reductions (Sum, SumOfSquares, Dot) stay TensorPrimitives', whose summation order the results depend on.

    /// <summary>y = x − μ.</summary>
    static void Center(ReadOnlySpan<float> x, float mu, Span<float> y)
    {
        ref var px = ref MemoryMarshal.GetReference(x);
        ref var py = ref MemoryMarshal.GetReference(y);
        nuint i = 0, n = (nuint)Math.Min(x.Length, y.Length);
        if (Vector512.IsHardwareAccelerated)
            for (var vm = Vector512.Create(mu); i + 16 <= n; i += 16)
                (Vector512.LoadUnsafe(ref px, i) - vm).StoreUnsafe(ref py, i);
        if (Vector256.IsHardwareAccelerated)
            for (var vm = Vector256.Create(mu); i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref px, i) - vm).StoreUnsafe(ref py, i);
        for (; i < n; i++) Unsafe.Add(ref py, i) = Unsafe.Add(ref px, i) - mu;
    }

    /// <summary>y = fma(y·s, γ, β): the normalised row scaled and shifted.</summary>
    static void ScaleShift(Span<float> y, float s, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta)
    {
        ref var py = ref MemoryMarshal.GetReference(y);
        ref var pg = ref MemoryMarshal.GetReference(gamma);
        ref var pb = ref MemoryMarshal.GetReference(beta);
        nuint i = 0, n = (nuint)Math.Min(y.Length, Math.Min(gamma.Length, beta.Length));
        if (Vector512.IsHardwareAccelerated)
            for (var vs = Vector512.Create(s); i + 16 <= n; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref py, i) * vs, Vector512.LoadUnsafe(ref pg, i), Vector512.LoadUnsafe(ref pb, i))
                    .StoreUnsafe(ref py, i);
        if (Vector256.IsHardwareAccelerated)
            for (var vs = Vector256.Create(s); i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref py, i) * vs, Vector256.LoadUnsafe(ref pg, i), Vector256.LoadUnsafe(ref pb, i))
                    .StoreUnsafe(ref py, i);
        for (; i < n; i++) Unsafe.Add(ref py, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref py, i) * s, Unsafe.Add(ref pg, i), Unsafe.Add(ref pb, i));
    }

    /// <summary>
    /// x̂ = (x − μ)·rstd for one row, as the forward computed it (a subtraction, then a multiply), and in the same pass
    /// whichever of these the caller passes spans for: dx̂ = dy·γ (when <paramref name="dxHat"/> is not empty), and
    /// dγ = fma(dy, x̂, dγ), dβ = dβ + dy (when <paramref name="dGamma"/> is not empty). All spans hold the row's C floats.
    /// </summary>
    static unsafe void NormalizeAndAccumulate(ReadOnlySpan<float> x, float mu, float rstd, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        Span<float> xHat, Span<float> dxHat, Span<float> dGamma, Span<float> dBeta)
    {
        bool input = !dxHat.IsEmpty, parameters = !dGamma.IsEmpty;
        var n = (nuint)x.Length;
        if (xHat.Length < x.Length || dy.Length < x.Length || (input && (dxHat.Length < x.Length || gamma.Length < x.Length))
            || (parameters && (dGamma.Length < x.Length || dBeta.Length < x.Length)))
            throw new ArgumentException("every span of a layer-norm row must hold the row's channels.");
        fixed (float* px = x, pdy = dy, pg = gamma, ph = xHat, pdh = dxHat, pdg = dGamma, pdb = dBeta)
        {
            var row = new GradientRow(px, pdy, pg, ph, pdh, pdg, pdb, mu, rstd, input, parameters);
            nuint i = 0;
            if (Vector512.IsHardwareAccelerated) i = row.Blocks<Lanes512, Vector512<float>>(i, n);
            if (Vector256.IsHardwareAccelerated) i = row.Blocks<Lanes256, Vector256<float>>(i, n);
            for (; i < n; i++)
            {
                var h = (px[i] - mu) * rstd;
                ph[i] = h;
                var d = pdy[i];
                if (input) pdh[i] = d * pg[i];
                if (!parameters) continue;
                pdg[i] = MathF.FusedMultiplyAdd(d, h, pdg[i]);
                pdb[i] += d;
            }
        }
    }

    /// <summary>The pointers and constants of one <see cref="NormalizeAndAccumulate"/> row, run in whole vectors of either width.</summary>
    readonly unsafe struct GradientRow(float* x, float* dy, float* gamma, float* xHat, float* dxHat, float* dGamma, float* dBeta,
        float mu, float rstd, bool input, bool parameters)
    {
        /// <summary>Elements [i, end of the last whole vector ≤ n); returns where it stopped.</summary>
        public nuint Blocks<TLanes, TVector>(nuint i, nuint n) where TLanes : struct, ILanes<TVector> where TVector : struct
        {
            TVector vm = TLanes.Broadcast(mu), vs = TLanes.Broadcast(rstd);
            for (var count = (nuint)TLanes.Count; i + count <= n; i += count)
            {
                var h = TLanes.Multiply(TLanes.Subtract(TLanes.Load(x + i), vm), vs);
                TLanes.Store(h, xHat + i);
                var d = TLanes.Load(dy + i);
                if (input) TLanes.Store(TLanes.Multiply(d, TLanes.Load(gamma + i)), dxHat + i);
                if (!parameters) continue;
                TLanes.Store(TLanes.FusedMultiplyAdd(d, h, TLanes.Load(dGamma + i)), dGamma + i);
                TLanes.Store(TLanes.Add(TLanes.Load(dBeta + i), d), dBeta + i);
            }
            return i;
        }
    }

    /// <summary>dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) for one row, from x̂ and dx̂.</summary>
    static void InputGradientRow(ReadOnlySpan<float> xHat, ReadOnlySpan<float> dxHat, float s, Span<float> dxr)
    {
        var c = dxr.Length;
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
