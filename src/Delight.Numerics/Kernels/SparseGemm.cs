using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Delight.Numerics;

/// <summary>
/// A linear layer's forward y[N,O] = x[N,I]·W[O,I]ᵀ for an input x that is mostly zeros (<see cref="SparseRows"/>),
/// skipping the zeros' multiply-adds. Bit for bit the dense <see cref="Gemm"/>'s result: every output is summed over i
/// in ascending order, one fused multiply-add per term, from +0, and a skipped term 0·w would have added ±0, which
/// leaves such a sum unchanged. The exceptions: a non-finite w (0·∞ is NaN), so a call whose W holds a NaN or an
/// infinity returns false, with y untouched, and the caller runs the dense GEMM; and a sum that is −0 so far (only a
/// product below the smallest subnormal makes one), which a skipped +0 would have turned into +0 — equal values,
/// different sign bits.
/// <para>
/// It runs on a transposed copy of W, [I, O rounded up to whole vectors], and adds, for each nonzero x[r,i],
/// x[r,i]·Wᵀ[i,:] to row r's accumulators held in registers. The instance owns that scratch, sized at construction,
/// allocates nothing per call, and serves one call at a time.
/// </para>
/// <para>
/// Measured at MNIST's shape (784 → 100, 100 rows, 19 % nonzero, one thread): 87 µs with compression against the
/// dense GEMM's 130; the transpose of W alone is about 20 µs of it. A weight gradient dW += dyᵀ·x built the same way
/// (dWᵀ rows updated per nonzero, transposed in and out) took 123 µs against the dense 115, so the backward stays dense.
/// It is serial. Split over two threads it did not get faster: by rows with one shared table, 110 µs (half the table
/// sat modified in the other core's cache); by rows with a table per thread, 83–89; by output vectors, 112–119 (each
/// part walks every nonzero, and a nonzero's bookkeeping is most of the cost) — while the dense GEMM splits to 82–93.
/// </para>
/// </summary>
public sealed class SparseGemm
{
    // 64-byte aligned (an Arena's tensors are): stride is whole vectors, so no vector load or store splits a cache line.
    // Unaligned, the forward took about 13 cycles per nonzero.
    readonly TensorView _table;
    readonly TensorView _paddedRows;
    readonly int[] _cursors;
    readonly int _maxRows;

    /// <summary>
    /// Inputs per block: the inputs are walked in blocks, so the block's rows of the transposed table (64 · stride
    /// floats, 28 KiB at O = 100) stay in L1 while every row's nonzeros in that block are applied. Unblocked, each
    /// nonzero read its table row from L2: 146 µs for the MNIST shape's multiply, 112 blocked (before alignment).
    /// </summary>
    const int BlockInputs = 64;

    /// <param name="maxRows">most rows N a call may have</param>
    /// <param name="inputCount">I: columns of the sparse x</param>
    /// <param name="outputCount">O: rows of W, columns of y</param>
    public SparseGemm(int maxRows, int inputCount, int outputCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        (_maxRows, InputCount, OutputCount) = (maxRows, inputCount, outputCount);
        var width = Vector512.IsHardwareAccelerated ? 16 : 8;
        Stride = (outputCount + width - 1) / width * width;
        var arena = new Arena("sparse gemm");
        _table = arena.Add("transposed", inputCount, Stride);
        _paddedRows = arena.Add("padded rows", maxRows, Stride);
        arena.Allocate();
        _cursors = new int[maxRows];
    }

    public int InputCount { get; }
    public int OutputCount { get; }

    /// <summary>Floats per row of the transposed scratch: O rounded up to whole vectors.</summary>
    int Stride { get; }

    /// <summary>
    /// y[N,O] = x[N,I]·W[O,I]ᵀ, N = <paramref name="x"/>'s row count; false (y untouched) when W holds a NaN or an
    /// infinity.
    /// </summary>
    public unsafe bool TryMultiplyTransposed(SparseRows x, ReadOnlySpan<float> weight, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.RowCount, inputs = InputCount, outputs = OutputCount;
        CheckSparse(x, n);
        if (weight.Length < (long)outputs * inputs)
            throw new ArgumentException($"W holds {weight.Length} floats, fewer than O·I = {(long)outputs * inputs}.", nameof(weight));
        if (y.Length < (long)n * outputs)
            throw new ArgumentException($"y holds {y.Length} floats, fewer than N·O = {(long)n * outputs}.", nameof(y));
        if (!AllFinite(weight[..(outputs * inputs)])) return false;
        fixed (float* w = weight, table = _table.Span, padded = _paddedRows.Span, values = x.Values)
        fixed (int* starts = x.Starts, indices = x.Indices, cursors = _cursors)
        {
            Transpose(w, inputs, table, Stride, outputs, inputs);
            var rows = new Rows(starts, indices, values, cursors, inputs);
            if (Vector512.IsHardwareAccelerated) MultiplyRows<Lanes512, Vector512<float>>(rows, n, table, Stride, padded);
            else MultiplyRows<Lanes256, Vector256<float>>(rows, n, table, Stride, padded);
        }
        for (var r = 0; r < n; r++) _paddedRows.Span.Slice(r * Stride, outputs).CopyTo(y.Slice(r * outputs, outputs));
        return true;
    }

    void CheckSparse(SparseRows x, int rows)
    {
        if (x.ColumnCount != InputCount)
            throw new ArgumentException($"x has {x.ColumnCount} columns; this SparseGemm was made for I = {InputCount}.", nameof(x));
        if (rows > _maxRows)
            throw new ArgumentException($"{rows} rows exceed the {_maxRows} this SparseGemm was made for.", nameof(x));
    }

    /// <summary>A compressed matrix as raw pointers (pinned by the caller for the whole call), and a cursor per row.</summary>
    readonly unsafe struct Rows(int* starts, int* indices, float* values, int* cursors, int columns)
    {
        public readonly int* Starts = starts, Indices = indices, Cursors = cursors;
        public readonly float* Values = values;
        public readonly int Columns = columns;
    }

    /// <summary>The forward into y padded to [N, stride], in chunks of up to eight output vectors.</summary>
    static unsafe void MultiplyRows<TLanes, TVector>(in Rows x, int n, float* table, nint stride, float* y)
        where TLanes : struct, ILanes<TVector> where TVector : struct
    {
        var vectors = (int)(stride / TLanes.Count);
        for (var v0 = 0; v0 < vectors; v0 += 8)
        {
            switch (Math.Min(8, vectors - v0))
            {
                case 1: MultiplyChunk<TLanes, TVector, One>(x, n, table, stride, v0, y); break;
                case 2: MultiplyChunk<TLanes, TVector, Two>(x, n, table, stride, v0, y); break;
                case 3: MultiplyChunk<TLanes, TVector, Three>(x, n, table, stride, v0, y); break;
                case 4: MultiplyChunk<TLanes, TVector, Four>(x, n, table, stride, v0, y); break;
                case 5: MultiplyChunk<TLanes, TVector, Five>(x, n, table, stride, v0, y); break;
                case 6: MultiplyChunk<TLanes, TVector, Six>(x, n, table, stride, v0, y); break;
                case 7: MultiplyChunk<TLanes, TVector, Seven>(x, n, table, stride, v0, y); break;
                default: MultiplyChunk<TLanes, TVector, Eight>(x, n, table, stride, v0, y); break;
            }
        }
    }

    /// <summary>
    /// Output vectors v0 .. v0 + TCount of every row: per block of inputs, each row's accumulators start from +0 (first
    /// block) or from y, take one FMA per nonzero in the block and vector, and go back to y.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void MultiplyChunk<TLanes, TVector, TCount>(in Rows x, int n, float* table, nint stride, int v0, float* y)
        where TLanes : struct, ILanes<TVector> where TVector : struct where TCount : struct, IConstant
    {
        var w = TLanes.Count;
        table += v0 * w;
        y += v0 * w;
        for (var r = 0; r < n; r++) x.Cursors[r] = x.Starts[r];
        for (var i0 = 0; i0 < x.Columns; i0 += BlockInputs)
        {
            var i1 = Math.Min(x.Columns, i0 + BlockInputs);
            var first = i0 == 0;
            for (var r = 0; r < n; r++)
            {
                int e = x.Cursors[r], end = x.Starts[r + 1];
                if (!first && (e == end || x.Indices[e] >= i1)) continue; // nothing of this row in the block
                var o = y + r * stride;
                TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero, a4 = TLanes.Zero, a5 = TLanes.Zero, a6 = TLanes.Zero, a7 = TLanes.Zero;
                if (!first)
                {
                    a0 = TLanes.Load(o);
                    if (TCount.Value > 1) a1 = TLanes.Load(o + w);
                    if (TCount.Value > 2) a2 = TLanes.Load(o + 2 * w);
                    if (TCount.Value > 3) a3 = TLanes.Load(o + 3 * w);
                    if (TCount.Value > 4) a4 = TLanes.Load(o + 4 * w);
                    if (TCount.Value > 5) a5 = TLanes.Load(o + 5 * w);
                    if (TCount.Value > 6) a6 = TLanes.Load(o + 6 * w);
                    if (TCount.Value > 7) a7 = TLanes.Load(o + 7 * w);
                }
                for (; e < end && x.Indices[e] < i1; e++)
                {
                    var v = TLanes.Broadcast(x.Values[e]);
                    var t = table + x.Indices[e] * stride;
                    a0 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t), a0);
                    if (TCount.Value > 1) a1 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + w), a1);
                    if (TCount.Value > 2) a2 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + 2 * w), a2);
                    if (TCount.Value > 3) a3 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + 3 * w), a3);
                    if (TCount.Value > 4) a4 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + 4 * w), a4);
                    if (TCount.Value > 5) a5 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + 5 * w), a5);
                    if (TCount.Value > 6) a6 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + 6 * w), a6);
                    if (TCount.Value > 7) a7 = TLanes.FusedMultiplyAdd(v, TLanes.Load(t + 7 * w), a7);
                }
                x.Cursors[r] = e;
                TLanes.Store(a0, o);
                if (TCount.Value > 1) TLanes.Store(a1, o + w);
                if (TCount.Value > 2) TLanes.Store(a2, o + 2 * w);
                if (TCount.Value > 3) TLanes.Store(a3, o + 3 * w);
                if (TCount.Value > 4) TLanes.Store(a4, o + 4 * w);
                if (TCount.Value > 5) TLanes.Store(a5, o + 5 * w);
                if (TCount.Value > 6) TLanes.Store(a6, o + 6 * w);
                if (TCount.Value > 7) TLanes.Store(a7, o + 7 * w);
            }
        }
    }

    /// <summary>
    /// dst[c·ldd + r] = src[r·lds + c] for r &lt; rows, c &lt; columns: 8 × 8 blocks in AVX registers, edges one by one.
    /// Columns outer, so each destination row is written whole before the next (measured 20 µs for W of 100 × 784,
    /// rows outer 26).
    /// </summary>
    static unsafe void Transpose(float* src, nint lds, float* dst, nint ldd, int rows, int columns)
    {
        var c = 0;
        if (Avx.IsSupported)
            for (; c + 8 <= columns; c += 8)
            {
                var r = 0;
                for (; r + 8 <= rows; r += 8) BlockedGemm.Transpose8x8(src + r * lds + c, lds, dst + c * ldd + r, ldd);
                for (; r < rows; r++)
                    for (var i = 0; i < 8; i++) dst[(c + i) * ldd + r] = src[r * lds + c + i];
            }
        for (; c < columns; c++)
            for (var r = 0; r < rows; r++) dst[c * ldd + r] = src[r * lds + c];
    }

    /// <summary>True when no value is a NaN or an infinity (v − v is 0 for finite v, NaN otherwise).</summary>
    static bool AllFinite(ReadOnlySpan<float> values)
    {
        var i = 0;
        var sum = Vector256<float>.Zero;
        ref var start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        for (; i <= values.Length - 8; i += 8)
        {
            var v = Vector256.LoadUnsafe(ref start, (nuint)i);
            sum += v - v;
        }
        var finite = sum == Vector256<float>.Zero;
        for (; i < values.Length; i++) finite &= float.IsFinite(values[i]);
        return finite;
    }
}
