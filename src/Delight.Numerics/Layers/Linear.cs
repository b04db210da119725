namespace Delight.Numerics;

/// <summary>
/// y = x·Wᵀ (+ b). Legend: N rows (tokens), I = inputCount, O = outputCount.
/// W is stored [O, I] (PyTorch layout), b [O]. Backward accumulates into dW, db and dx.
/// </summary>
public sealed class Linear
{
    public Linear(ParameterSet parameters, string name, int inputCount, int outputCount, bool bias)
    {
        InputCount = inputCount;
        OutputCount = outputCount;
        Weight = parameters.Add(name + ".weight", outputCount, inputCount);
        Bias = bias ? parameters.Add(name + ".bias", outputCount) : null;
    }

    public int InputCount { get; }
    public int OutputCount { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>LeCun normal (truncated at ±2σ, rescaled to std 1/√fan_in); bias zero.</summary>
    public void Initialize(Rng rng)
    {
        // A normal truncated at ±2 has std 0.87962566; dividing by it restores the intended std.
        var std = 1.0 / Math.Sqrt(InputCount) / 0.87962566103423978;
        var w = Weight.Value;
        for (var i = 0; i < w.Length; i++) w[i] = (float)(std * rng.NextTruncatedNormal());
        Bias?.Value.Clear();
    }

    /// <param name="x">[N, I]</param>
    /// <param name="y">[N, O], overwritten</param>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rowCount)
    {
        Gemm.MatMul(x, Weight.Value, y, rowCount, OutputCount, InputCount, transposeB: true);
        AddBias(y, rowCount);
    }

    /// <summary>
    /// <see cref="Forward"/> for an input held as <see cref="SparseRows"/>, through <paramref name="gemm"/> (made for
    /// this layer's I and O): the same bits, without the zeros' multiply-adds. False, with y untouched, when the
    /// weight holds a NaN or an infinity (0·∞ would make a NaN the sparse product cannot): run <see cref="Forward"/>.
    /// </summary>
    /// <param name="y">[N, O], overwritten; N = x.RowCount</param>
    public bool TryForward(SparseRows x, SparseGemm gemm, Span<float> y)
    {
        CheckSparseGemm(gemm);
        if (!gemm.TryMultiplyTransposed(x, Weight.Value, y)) return false;
        AddBias(y, x.RowCount);
        return true;
    }

    void AddBias(Span<float> y, int rowCount)
    {
        if (Bias is not { } bias) return;
        ReadOnlySpan<float> b = bias.Value;
        for (var r = 0; r < rowCount; r++)
        {
            var row = y.Slice(r * OutputCount, OutputCount);
            System.Numerics.Tensors.TensorPrimitives.Add(row, b, row);
        }
    }

    void CheckSparseGemm(SparseGemm gemm)
    {
        ArgumentNullException.ThrowIfNull(gemm);
        if (gemm.InputCount != InputCount || gemm.OutputCount != OutputCount)
            throw new ArgumentException($"the SparseGemm is made for {gemm.InputCount} → {gemm.OutputCount}, this layer is {InputCount} → {OutputCount}.", nameof(gemm));
    }

    /// <param name="x">[N, I] the forward input</param>
    /// <param name="dy">[N, O]</param>
    /// <param name="dx">[N, I], accumulated; pass an empty span when the input needs no gradient</param>
    /// <remarks>
    /// dW and dx leave with subnormals flushed to +0 (<see cref="Denormals"/>): gradients of a saturated policy shrink
    /// towards the float range's end, and one subnormal in dx slows every multiply-add of the layers below that reads
    /// it. The flush costs a pass over dW and dx, small next to the GEMMs that produce them.
    /// </remarks>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rowCount)
    {
        WeightGradient(x, dy, rowCount);
        if (!dx.IsEmpty) InputGradient(dy, dx, rowCount);
    }

    /// <summary>dW[O,I] += dyᵀ[O,N] · x[N,I] and db += Σ_rows dy, flushed: the parameter half of <see cref="Backward"/>.</summary>
    public void WeightGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rowCount)
    {
        Gemm.MatMul(dy, x, Weight.Gradient, OutputCount, InputCount, rowCount, transposeA: true, accumulate: true);
        Denormals.FlushToZero(Weight.Gradient);
        if (Bias is { } bias)
        {
            var db = bias.Gradient;
            for (var r = 0; r < rowCount; r++)
                System.Numerics.Tensors.TensorPrimitives.Add(db, dy.Slice(r * OutputCount, OutputCount), db);
        }
    }

    /// <summary>
    /// dx[N,I] += dy[N,O] · W[O,I], flushed: the input half of <see cref="Backward"/>. Each row of dx depends on its
    /// row of dy alone, so it can run over any split of the rows with the same bits. With
    /// <paramref name="accumulate"/> false dx is overwritten instead: the same bits as clearing it first and adding,
    /// without the pass that clears it or the GEMM's reads of those zeros.
    /// </summary>
    public void InputGradient(ReadOnlySpan<float> dy, Span<float> dx, int rowCount, bool accumulate = true)
    {
        Gemm.MatMul(dy, Weight.Value, dx, rowCount, InputCount, OutputCount, accumulate: accumulate);
        Denormals.FlushToZero(dx[..(rowCount * InputCount)]);
    }

    public long ForwardFlops(int rowCount) => 2L * rowCount * InputCount * OutputCount;
}
