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
    /// <summary>The pool the backward's two gradient GEMMs may run on side by side (see <see cref="Backward"/>).</summary>
    public WorkerPool Pool { get; set; } = WorkerPool.Shared;
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
        if (Bias is { } bias)
        {
            ReadOnlySpan<float> b = bias.Value;
            for (var r = 0; r < rowCount; r++)
            {
                var row = y.Slice(r * OutputCount, OutputCount);
                System.Numerics.Tensors.TensorPrimitives.Add(row, b, row);
            }
        }
    }

    /// <param name="x">[N, I] the forward input</param>
    /// <param name="dy">[N, O]</param>
    /// <param name="dx">[N, I], accumulated; pass an empty span when the input needs no gradient</param>
    /// <remarks>
    /// dW and dx leave with subnormals flushed to +0 (<see cref="Denormals"/>): gradients of a saturated policy shrink
    /// towards the float range's end, and one subnormal in dx slows every multiply-add of the layers below that reads
    /// it. The flush costs a pass over dW and dx, small next to the GEMMs that produce them.
    /// <para>
    /// Threads: dW and dx are two independent GEMMs of equal flops. On a pool of two or more threads they can run as two
    /// tasks, one thread each, instead of one after the other with each GEMM split inside: dW's output is small (O × I) while its depth N
    /// is long, so splitting it makes every part pack the whole depth of both operands. A <see cref="SplitTuner"/>
    /// times both ways per size and keeps the faster. Each GEMM's elements are summed in the same order either way,
    /// so the bits do not change.
    /// </para>
    /// </remarks>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rowCount)
    {
        if (!dx.IsEmpty && !WorkerPool.InParallelPart && Pool is { ThreadCount: > 1, IsBusy: false } pool)
        {
            var flops = 4L * rowCount * InputCount * OutputCount;
            var slot = _taskTuner.Slot(flops);
            var asTasks = _taskTuner.ShouldSplit(slot);
            var start = SplitTuner.Now();
            if (asTasks) BackwardAsTasks(pool, x, dy, dx, rowCount);
            else
            {
                WeightGradient(x, dy, rowCount);
                InputGradient(dy, dx, rowCount);
            }
            _taskTuner.Record(slot, asTasks, SplitTuner.Now() - start, flops);
            return;
        }
        WeightGradient(x, dy, rowCount);
        if (!dx.IsEmpty) InputGradient(dy, dx, rowCount);
    }

    /// <summary>dW[O,I] += dyᵀ[O,N] · x[N,I], flushed; db += Σ_rows dy.</summary>
    void WeightGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rowCount)
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

    /// <summary>dx[N,I] += dy[N,O] · W[O,I], flushed.</summary>
    void InputGradient(ReadOnlySpan<float> dy, Span<float> dx, int rowCount)
    {
        Gemm.MatMul(dy, Weight.Value, dx, rowCount, InputCount, OutputCount, accumulate: true);
        Denormals.FlushToZero(dx[..(rowCount * InputCount)]);
    }

    /// <summary>
    /// Whether dW ∥ dx as two tasks beats the two GEMMs one after the other (each split inside), per size; one per
    /// layer, so its first calls try both ways (a fresh layer alternates during the tuner's warm-up).
    /// </summary>
    readonly SplitTuner _taskTuner = new();

    [ThreadStatic] static BackwardTasks? t_tasks;

    unsafe void BackwardAsTasks(WorkerPool pool, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rowCount)
    {
        var tasks = t_tasks ??= new BackwardTasks();
        fixed (float* px = x, pdy = dy, pdx = dx)
        {
            tasks.Set(this, px, x.Length, pdy, dy.Length, pdx, dx.Length, rowCount);
            try
            {
                pool.Run(2, tasks);
            }
            finally
            {
                tasks.Clear();
            }
        }
    }

    /// <summary>Part 0: the weight (and bias) gradient; part 1: the input gradient. Pointers are pinned by the caller for the call.</summary>
    sealed unsafe class BackwardTasks : IParallelJob
    {
        Linear? _layer;
        float* _x, _dy, _dx;
        int _xLength, _dyLength, _dxLength, _rows;

        public void Set(Linear layer, float* x, int xLength, float* dy, int dyLength, float* dx, int dxLength, int rows)
        {
            _layer = layer;
            _x = x;
            _dy = dy;
            _dx = dx;
            _xLength = xLength;
            _dyLength = dyLength;
            _dxLength = dxLength;
            _rows = rows;
        }

        public void Clear() => _layer = null;

        public void Execute(int part)
        {
            var dy = new ReadOnlySpan<float>(_dy, _dyLength);
            if (part == 0) _layer!.WeightGradient(new ReadOnlySpan<float>(_x, _xLength), dy, _rows);
            else _layer!.InputGradient(dy, new Span<float>(_dx, _dxLength), _rows);
        }
    }

    public long ForwardFlops(int rowCount) => 2L * rowCount * InputCount * OutputCount;
}
