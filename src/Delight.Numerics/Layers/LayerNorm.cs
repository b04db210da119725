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
        _tasks = new BackwardTasks(this);
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
    /// <remarks>
    /// Threads: the parameter gradients (sums over rows) and the input gradient (row by row) read the same inputs and
    /// write disjoint outputs, so on a pool of two or more threads they can run as two tasks side by side, each in the
    /// serial loop's order (the bits do not change); a <see cref="SplitTuner"/> keeps that only where it pays.
    /// </remarks>
    public unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> scratch, int rowCount)
    {
        var c = ChannelCount;
        if (WorkerPool.InParallelPart || Pool is not { ThreadCount: > 1, IsBusy: false } pool)
        {
            BackwardSerial(x, mean, rstd, dy, dx, scratch, rowCount);
            return;
        }
        var flops = 10L * rowCount * c;
        var slot = _tuner.Slot(flops);
        var asTasks = _tuner.ShouldSplit(slot);
        var start = SplitTuner.Now();
        if (!asTasks) BackwardSerial(x, mean, rstd, dy, dx, scratch, rowCount);
        else
            fixed (float* px = x, pMean = mean, pRstd = rstd, pdy = dy, pdx = dx)
            {
                _tasks.Set(px, pMean, pRstd, pdy, pdx, rowCount);
                pool.Run(2, _tasks);
            }
        _tuner.Record(slot, asTasks, SplitTuner.Now() - start, flops);
    }

    /// <summary>The pool the backward's two halves may run on side by side.</summary>
    public WorkerPool Pool { get; set; } = WorkerPool.Shared;

    readonly SplitTuner _tuner = new();
    readonly BackwardTasks _tasks;

    void BackwardSerial(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
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
            InputGradientRow(dyr, gamma, xHat, dxHat, s, dxr);
        }
        // Sums of tiny gradients can land below the normal range; Adam would then multiply subnormals.
        Denormals.FlushToZero(dGamma);
        Denormals.FlushToZero(dBeta);
    }

    /// <summary>dγ += Σ dy·x̂, dβ += Σ dy over the rows, in row order (the serial loop's sums), flushed.</summary>
    void ParameterGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
        Span<float> xHat, int rowCount)
    {
        var c = ChannelCount;
        Span<float> dGamma = Weight.Gradient, dBeta = Bias.Gradient;
        for (var r = 0; r < rowCount; r++)
        {
            var dyr = dy.Slice(r * c, c);
            TensorPrimitives.Subtract(x.Slice(r * c, c), mean[r], xHat);
            TensorPrimitives.Multiply(xHat, rstd[r], xHat);
            TensorPrimitives.FusedMultiplyAdd(dyr, xHat, dGamma, dGamma);
            TensorPrimitives.Add(dBeta, dyr, dBeta);
        }
        Denormals.FlushToZero(dGamma);
        Denormals.FlushToZero(dBeta);
    }

    /// <summary>dx += rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) row by row.</summary>
    void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> scratch, int rowCount)
    {
        var c = ChannelCount;
        ReadOnlySpan<float> gamma = Weight.Value;
        var xHat = scratch[..c];
        var dxHat = scratch.Slice(c, c);
        for (var r = 0; r < rowCount; r++)
        {
            var s = rstd[r];
            TensorPrimitives.Subtract(x.Slice(r * c, c), mean[r], xHat);
            TensorPrimitives.Multiply(xHat, s, xHat);
            InputGradientRow(dy.Slice(r * c, c), gamma, xHat, dxHat, s, dx.Slice(r * c, c));
        }
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

    /// <summary>Part 0: dγ and dβ; part 1: dx. Each has its own scratch; pointers are pinned by the caller for the call.</summary>
    sealed unsafe class BackwardTasks(LayerNorm owner) : IParallelJob
    {
        readonly float[] _parameterScratch = new float[owner.ChannelCount];
        readonly float[] _inputScratch = new float[2 * owner.ChannelCount];
        float* _x, _mean, _rstd, _dy, _dx;
        int _rows;

        public void Set(float* x, float* mean, float* rstd, float* dy, float* dx, int rows)
        {
            _x = x;
            _mean = mean;
            _rstd = rstd;
            _dy = dy;
            _dx = dx;
            _rows = rows;
        }

        public void Execute(int part)
        {
            var n = _rows * owner.ChannelCount;
            ReadOnlySpan<float> x = new(_x, n), mean = new(_mean, _rows), rstd = new(_rstd, _rows), dy = new(_dy, n);
            if (part == 0) owner.ParameterGradients(x, mean, rstd, dy, _parameterScratch, _rows);
            else owner.InputGradient(x, mean, rstd, dy, new Span<float>(_dx, n), _inputScratch, _rows);
        }
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
