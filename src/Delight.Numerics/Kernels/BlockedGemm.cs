using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Delight.Numerics;

/// <summary>
/// Cache-blocked SIMD GEMM. C is cut into tiles of MR rows × NR columns (Vector512: 8 × 32, Vector256: 6 × 16), each
/// computed by a register-blocked micro-kernel that keeps the whole tile in vector accumulators and, per p, broadcasts
/// A(i,p) and fuses it into the B row. Loops, outermost first: column blocks of C (NC columns, so the packed B block
/// stays in L2), k blocks (KC deep, so the A rows of a tile stay near L1), row tiles, column panels.
/// <para>
/// B is packed into contiguous KC × NR panels when it is transposed (the kernel needs B rows contiguous in j; the
/// transposition runs in 8 × 8 AVX blocks), when its rows are long (strided panel rows alias in L1 and the TLB) and
/// for a partial last panel; a short-rowed untransposed B is otherwise read in place. A row-major A is read in place
/// (one pointer per row); a transposed A is packed per row tile into MR × KC, p-major, which the same kernel reads
/// (the MR values of one p are adjacent either way). A partial last panel runs one full vector straight into C and the rest
/// through a small per-thread scratch tile; padding lanes compute garbage that is never stored.
/// </para>
/// <para>
/// There is no separate small-matrix path: with no A packing, no packing of an untransposed B and no thread dispatch
/// below <see cref="ParallelMinFlops"/>, the fixed cost of a call is about 40 ns (20 × 20 × 16 NT takes ~0.25 µs).
/// Hot methods are marked AggressiveOptimization, so they run fully optimised from the first call.
/// </para>
/// <para>
/// Summation order — bit-identical to <see cref="ScalarGemm"/>: every C element is one accumulator lane that starts at
/// C (accumulate) or +0, takes one fused multiply-add per p in ascending order, and between k blocks is stored to C
/// and reloaded exactly. So results do not depend on blocking, vector width or thread count, and equal the scalar
/// reference bit for bit (the tests check exact equality).
/// </para>
/// <para>
/// Threads: the parallel variant splits C into one disjoint block per thread, of whole row tiles or of whole vector
/// columns (see RunParallel), run on <see cref="WorkerPool"/>; each element still belongs to one thread. Small problems
/// (below <see cref="ParallelMinFlops"/>) stay on the calling thread. Steady state allocates nothing: packing and
/// scratch buffers are pinned per-thread arrays grown on demand, and the parallel job object is per calling thread.
/// </para>
/// </summary>
public sealed partial class BlockedGemm : GemmKernel
{
    /// <summary>
    /// Largest k-block depth. Blocks are balanced: k = 2000 runs as 4 blocks of 500, not 3 × 512 + 464. (128 to 1000
    /// measured within noise of each other at the model's shapes; fewer blocks mean fewer C reloads.)
    /// </summary>
    const int KcMax = 512;

    /// <summary>Budget (floats) for one packed B block, KC × NC: 128 Ki floats = 512 KiB, half of a Zen 5 L2.</summary>
    const int PackedBBudget = 128 * 1024;

    /// <summary>An untransposed B, or a transposed A, with rows at least this long (floats) is packed, see Compute.</summary>
    const int PackRowsFrom = 128;

    /// <summary>Below this many flops (2·m·n·k) the parallel variant runs on the calling thread.</summary>
    public const long ParallelMinFlops = 1_000_000;

    readonly bool _vector512;
    readonly bool _parallel;
    readonly WorkerPool? _pool;

    /// <param name="name">registry name</param>
    /// <param name="vector512">use the Vector512 micro-kernel (8 × 32 tiles); otherwise the Vector256 one (6 × 16)</param>
    /// <param name="parallel">split large problems over <paramref name="pool"/></param>
    /// <param name="pool">the pool for the parallel variant; null means <see cref="WorkerPool.Shared"/></param>
    /// <param name="parallelMinFlops">smallest problem (2·m·n·k) the parallel variant splits; tests pass 0</param>
    /// <param name="adaptive">
    /// split a problem above <paramref name="parallelMinFlops"/> only when a <see cref="SplitTuner"/> has measured that
    /// splitting that size is faster (per size bucket and transpose variant); otherwise always split
    /// </param>
    public BlockedGemm(string name, bool vector512, bool parallel, WorkerPool? pool = null, long parallelMinFlops = ParallelMinFlops,
        bool adaptive = false)
    {
        _tuner = parallel && adaptive ? new SplitTuner(variants: 4) : null;
        if (vector512 ? !Vector512.IsHardwareAccelerated : !Vector256.IsHardwareAccelerated)
            throw new PlatformNotSupportedException($"{(vector512 ? "Vector512" : "Vector256")} is not hardware accelerated here.");
        Name = name;
        _vector512 = vector512;
        _parallel = parallel;
        _pool = pool;
        _parallelMinFlops = parallelMinFlops;
    }

    readonly long _parallelMinFlops;
    readonly SplitTuner? _tuner;

    public override string Name { get; }

    public bool UsesVector512 => _vector512;

    public bool IsParallel => _parallel;

    public override unsafe void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        CheckShapes(a, b, c, m, n, k);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var problem = new Problem(pa, pb, pc, m, n, k, transposeA, transposeB, accumulate);
            var flops = 2L * m * n * k;
            // The job object is made on a thread's first call, split or not, so a first split later allocates nothing.
            if (_parallel) t_job ??= new ParallelJob();
            if (_parallel && flops >= _parallelMinFlops && !WorkerPool.InParallelPart
                && (_pool ?? WorkerPool.Shared) is { ThreadCount: > 1, IsBusy: false } pool)
            {
                if (_tuner is null)
                {
                    RunParallel(pool, problem);
                    return;
                }
                var slot = _tuner.Slot(flops, (transposeA ? 2 : 0) + (transposeB ? 1 : 0));
                var split = _tuner.ShouldSplit(slot);
                var start = SplitTuner.Now();
                if (split) RunParallel(pool, problem);
                else Compute(problem, 0, m, 0, n);
                _tuner.Record(slot, split, SplitTuner.Now() - start, flops);
            }
            else
                Compute(problem, 0, m, 0, n);
        }
    }

    unsafe void Compute(in Problem problem, int rowStart, int rowEnd, int colStart, int colEnd)
    {
        if (_vector512) Compute<Micro512>(problem, rowStart, rowEnd, colStart, colEnd);
        else Compute<Micro256>(problem, rowStart, rowEnd, colStart, colEnd);
    }

    /// <summary>The operands of one call, as raw pointers (pinned by <see cref="MatMul"/> for the whole call).</summary>
    readonly unsafe struct Problem(float* a, float* b, float* c, int m, int n, int k, bool transposeA, bool transposeB, bool accumulate)
    {
        public readonly float* A = a, B = b, C = c;
        public readonly int M = m, N = n, K = k;
        public readonly bool TransposeA = transposeA, TransposeB = transposeB, Accumulate = accumulate;
    }

    /// <summary>Computes C[rowStart..rowEnd, colStart..colEnd]. Any bounds work; parts use whole tiles and whole vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Compute<TMicro>(in Problem q, int rowStart, int rowEnd, int colStart, int colEnd)
        where TMicro : struct, IMicroKernel
    {
        var nr = 2 * TMicro.Width;
        var kBlocks = (q.K + KcMax - 1) / KcMax;
        var kcMax = (q.K + kBlocks - 1) / kBlocks;
        var ncMax = Math.Max(nr, PackedBBudget / kcMax / nr * nr);
        var colSpan = RoundUp(colEnd - colStart, nr);
        // Always the full budget (kcMax·ncMax never exceeds it): the buffer is sized on a thread's first call and never
        // grows, whichever part of whichever split that thread runs later (a caller that finds the pool busy runs all).
        var packed = Buffers.Packed(Math.Max(kcMax * Math.Min(ncMax, colSpan), PackedBBudget));
        var scratch = Buffers.Scratch(TMicro.Rows * nr);
        // A transposed B must be packed. An untransposed one is read in place when its rows are short; long rows
        // (PackRowsFrom floats and up) are packed, because a panel read in place then takes a line or two of a row
        // n floats away per p, and at n = 1024 (4 KiB) those lines share L1 sets and pages. Measured on the
        // transformer's backward shapes (Xeon, AVX-512): dx of a d = 512 FF layer 62 → 155 GFLOP/s; no loss at d = 64.
        var packAll = q.TransposeB || q.N >= PackRowsFrom;
        // A transposed A (the weight gradient dW = dyᵀ·x, m = out) is packed per row tile into MR × kc, p-major, so
        // the tile's A stays in L1 across the column panels instead of one MR-float strip per p read from m floats
        // away. With the packed B: dW at d = 256, 1024 × 256 × 1900, 55 → 110 GFLOP/s; at d = 512 56 → 120.
        // Short rows (m below PackRowsFrom, as in d = 64's out and FF2 weight gradients) stay in place: the strips are
        // close together and packing measured 2.5 % of a d = 64 learner step.
        var packedA = q.TransposeA && q.M >= PackRowsFrom ? Buffers.PackedA(TMicro.Rows * KcMax) : null;

        var ctx = new Context
        {
            Packed = packed,
            Scratch = scratch,
            PackAll = packAll,
        };
        for (var jc = colStart; jc < colEnd; jc += ncMax)
        {
            var jcEnd = Math.Min(colEnd, jc + ncMax);
            for (var pc = 0; pc < q.K; pc += kcMax)
            {
                var kc = Math.Min(kcMax, q.K - pc);
                ctx.Kc = kc;
                ctx.Pc = pc;
                ctx.Jc = jc;
                ctx.JcEnd = jcEnd;
                ctx.Load = q.Accumulate || pc > 0;
                PackB<TMicro>(q, ctx);
                nint lda = q.TransposeA ? q.M : q.K;
                for (var i0 = rowStart; i0 < rowEnd; i0 += TMicro.Rows)
                {
                    var rows = Math.Min(TMicro.Rows, rowEnd - i0);
                    var a = q.TransposeA ? q.A + (nint)pc * q.M + i0 : q.A + (nint)i0 * q.K + pc;
                    var c = q.C + (nint)i0 * q.N;
                    if (packedA != null)
                    {
                        PackA(a, lda, packedA, TMicro.Rows, rows, kc);
                        TMicro.RowTile<TransposedA>(q, ctx, rows, packedA, TMicro.Rows, c);
                    }
                    else if (q.TransposeA) TMicro.RowTile<TransposedA>(q, ctx, rows, a, lda, c);
                    else TMicro.RowTile<RowMajorA>(q, ctx, rows, a, lda, c);
                }
            }
        }
    }

    /// <summary>Loop state shared by the row tiles of one (column block, k block).</summary>
    unsafe struct Context
    {
        public float* Packed, Scratch;
        public bool PackAll, Load;
        public int Kc, Pc, Jc, JcEnd;
    }

    static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>
    /// Packs the B(pc..pc+kc, jc..jcEnd) panels that need it: panel j0 goes to Packed + (j0 − jc)·kc, row p of it at
    /// + p·width, width NR, or W for a last panel of at most W columns. Columns past the right edge of B are not
    /// written: whatever they hold only reaches accumulator lanes of C columns that are never stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void PackB<TMicro>(in Problem q, in Context ctx) where TMicro : struct, IMicroKernel
    {
        var w = TMicro.Width;
        var nr = 2 * w;
        for (var j0 = ctx.Jc; j0 < ctx.JcEnd; j0 += nr)
        {
            var cols = Math.Min(nr, ctx.JcEnd - j0);
            if (!ctx.PackAll && cols % w == 0) continue;
            var width = cols > w ? nr : w;
            var dst = ctx.Packed + (nint)(j0 - ctx.Jc) * ctx.Kc;
            if (q.TransposeB) PackTransposed(q.B + (nint)j0 * q.K + ctx.Pc, q.K, dst, width, cols, ctx.Kc);
            else PackRows(q.B + (nint)ctx.Pc * q.N + j0, q.N, dst, width, cols, ctx.Kc);
        }
    }

    /// <summary>dst[p·width + j] = src[p·ldb + j] for j &lt; cols; columns cols..width are left as they are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void PackRows(float* src, nint ldb, float* dst, int width, int cols, int kc)
    {
        if (cols == width)
        {
            for (var p = 0; p < kc; p++, src += ldb, dst += width)
                Buffer.MemoryCopy(src, dst, width * sizeof(float), width * sizeof(float));
            return;
        }
        for (var p = 0; p < kc; p++, src += ldb, dst += width)
            for (var j = 0; j < cols; j++) dst[j] = src[j];
    }

    /// <summary>
    /// Packs a transposed A's row tile: dst[p·mr + r] = src[p·lda + r] for r &lt; rows, p &lt; kc (rows past the edge
    /// are left as they are; they only reach accumulators that are never stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void PackA(float* src, nint lda, float* dst, int mr, int rows, int kc)
    {
        if (rows == 8 && mr == 8)
        {
            for (var p = 0; p < kc; p++, src += lda, dst += 8) Vector256.Load(src).Store(dst);
            return;
        }
        for (var p = 0; p < kc; p++, src += lda, dst += mr)
            for (var r = 0; r < rows; r++) dst[r] = src[r];
    }

    /// <summary>
    /// dst[p·width + j] = src[j·ldb + p] (B stored [n,k]) for j &lt; cols; columns cols..width are left as they are.
    /// 8 × 8 blocks are transposed in AVX registers, the ragged edges element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void PackTransposed(float* src, nint ldb, float* dst, int width, int cols, int kc)
    {
        var j = 0;
        if (Avx.IsSupported)
        {
            for (; j + 8 <= cols; j += 8)
            {
                var s = src + j * ldb;
                var p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8x8(s + p, ldb, dst + (nint)p * width + j, width);
                for (; p < kc; p++)
                {
                    var d = dst + (nint)p * width + j;
                    for (var jj = 0; jj < 8; jj++) d[jj] = s[jj * ldb + p];
                }
            }
        }
        for (; j + 4 <= cols; j += 4)
        {
            float* s0 = src + j * ldb, s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb;
            var d = dst + j;
            for (var p = 0; p < kc; p++, d += width)
            {
                d[0] = s0[p];
                d[1] = s1[p];
                d[2] = s2[p];
                d[3] = s3[p];
            }
        }
        for (; j < cols; j++)
        {
            var s = src + j * ldb;
            var d = dst + j;
            for (var p = 0; p < kc; p++, d += width) *d = s[p];
        }
    }

    /// <summary>d[p·ldd + r] = s[r·lds + p] for r, p &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Transpose8x8(float* s, nint lds, float* d, nint ldd)
    {
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + lds);
        var r2 = Avx.LoadVector256(s + 2 * lds);
        var r3 = Avx.LoadVector256(s + 3 * lds);
        var r4 = Avx.LoadVector256(s + 4 * lds);
        var r5 = Avx.LoadVector256(s + 5 * lds);
        var r6 = Avx.LoadVector256(s + 6 * lds);
        var r7 = Avx.LoadVector256(s + 7 * lds);
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves (_MM_TRANSPOSE8_PS).
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>How the micro-kernel walks A: row-major (A(i,p) at i·k + p) or transposed (A(i,p) at p·m + i).</summary>
    interface ILayout
    {
        static abstract bool RowMajor { get; }
    }

    struct RowMajorA : ILayout { public static bool RowMajor => true; }
    struct TransposedA : ILayout { public static bool RowMajor => false; }

    /// <summary>One vector width: its tile shape and the per-row-tile loop over column panels.</summary>
    interface IMicroKernel
    {
        /// <summary>Floats per vector (W); a panel is 2·W columns.</summary>
        static abstract int Width { get; }

        /// <summary>Rows per tile (MR).</summary>
        static abstract int Rows { get; }

        static abstract unsafe void RowTile<TLayout>(in Problem q, in Context ctx, int rows, float* a, nint lda, float* c)
            where TLayout : struct, ILayout;

        /// <summary>The register-blocked kernel: TRows rows × TCols vectors of C over kc steps.</summary>
        static abstract unsafe void Kernel<TRows, TCols, TLayout>(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, bool load)
            where TRows : struct, IConstant where TCols : struct, IConstant where TLayout : struct, ILayout;
    }

    struct Micro512 : IMicroKernel
    {
        public static int Width => 16;
        public static int Rows => 8;

        public static unsafe void RowTile<TLayout>(in Problem q, in Context ctx, int rows, float* a, nint lda, float* c)
            where TLayout : struct, ILayout
        {
            switch (rows)
            {
                case 8: Panels<Micro512, Eight, TLayout>(q, ctx, a, lda, c); break;
                case 7: Panels<Micro512, Seven, TLayout>(q, ctx, a, lda, c); break;
                case 6: Panels<Micro512, Six, TLayout>(q, ctx, a, lda, c); break;
                case 5: Panels<Micro512, Five, TLayout>(q, ctx, a, lda, c); break;
                case 4: Panels<Micro512, Four, TLayout>(q, ctx, a, lda, c); break;
                case 3: Panels<Micro512, Three, TLayout>(q, ctx, a, lda, c); break;
                case 2: Panels<Micro512, Two, TLayout>(q, ctx, a, lda, c); break;
                default: Panels<Micro512, One, TLayout>(q, ctx, a, lda, c); break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Kernel<TRows, TCols, TLayout>(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, bool load)
            where TRows : struct, IConstant where TCols : struct, IConstant where TLayout : struct, ILayout
            => Kernel512<TRows, TCols, TLayout>(a, lda, b, ldb, kc, c, ldc, load);
    }

    struct Micro256 : IMicroKernel
    {
        public static int Width => 8;
        public static int Rows => 6;

        public static unsafe void RowTile<TLayout>(in Problem q, in Context ctx, int rows, float* a, nint lda, float* c)
            where TLayout : struct, ILayout
        {
            switch (rows)
            {
                case 6: Panels<Micro256, Six, TLayout>(q, ctx, a, lda, c); break;
                case 5: Panels<Micro256, Five, TLayout>(q, ctx, a, lda, c); break;
                case 4: Panels<Micro256, Four, TLayout>(q, ctx, a, lda, c); break;
                case 3: Panels<Micro256, Three, TLayout>(q, ctx, a, lda, c); break;
                case 2: Panels<Micro256, Two, TLayout>(q, ctx, a, lda, c); break;
                default: Panels<Micro256, One, TLayout>(q, ctx, a, lda, c); break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Kernel<TRows, TCols, TLayout>(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, bool load)
            where TRows : struct, IConstant where TCols : struct, IConstant where TLayout : struct, ILayout
            => Kernel256<TRows, TCols, TLayout>(a, lda, b, ldb, kc, c, ldc, load);
    }

    /// <summary>
    /// One row tile against every column panel of the current block: whole panels (two vectors) and single vectors go
    /// straight into C; a partial panel sends its whole first vector straight into C and the rest through the scratch
    /// tile. A transposed B, or a panel whose width is not whole vectors, is read from the packed buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Panels<TMicro, TRows, TLayout>(in Problem q, in Context ctx, float* a, nint lda, float* c)
        where TMicro : struct, IMicroKernel where TRows : struct, IConstant where TLayout : struct, ILayout
    {
        var w = TMicro.Width;
        var nr = 2 * w;
        var kc = ctx.Kc;
        for (var j0 = ctx.Jc; j0 < ctx.JcEnd; j0 += nr)
        {
            var cols = Math.Min(nr, ctx.JcEnd - j0);
            float* b;
            nint ldb;
            if (ctx.PackAll || cols % w != 0)
            {
                b = ctx.Packed + (nint)(j0 - ctx.Jc) * kc;
                ldb = cols > w ? nr : w;
            }
            else
            {
                b = q.B + (nint)ctx.Pc * q.N + j0;
                ldb = q.N;
            }
            if (cols == nr) TMicro.Kernel<TRows, Two, TLayout>(a, lda, b, ldb, kc, c + j0, q.N, ctx.Load);
            else if (cols == w) TMicro.Kernel<TRows, One, TLayout>(a, lda, b, ldb, kc, c + j0, q.N, ctx.Load);
            else
            {
                var j = j0;
                if (cols > w)
                {
                    TMicro.Kernel<TRows, One, TLayout>(a, lda, b, ldb, kc, c + j, q.N, ctx.Load);
                    b += w;
                    j += w;
                    cols -= w;
                }
                var tile = ctx.Scratch;
                if (ctx.Load) CopyTile(c + j, q.N, tile, w, TRows.Value, cols);
                TMicro.Kernel<TRows, One, TLayout>(a, lda, b, ldb, kc, tile, w, ctx.Load);
                CopyTile(tile, w, c + j, q.N, TRows.Value, cols);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void CopyTile(float* src, nint lds, float* dst, nint ldd, int rows, int cols)
    {
        for (var r = 0; r < rows; r++, src += lds, dst += ldd)
            for (var j = 0; j < cols; j++) dst[j] = src[j];
    }

    /// <summary>Per-thread packing and scratch buffers: pinned, 64-byte aligned, grown on demand, never shrunk.</summary>
    static class Buffers
    {
        [ThreadStatic] static float[]? t_packed;
        [ThreadStatic] static float[]? t_scratch;
        [ThreadStatic] static float[]? t_packedA;

        public static unsafe float* PackedA(int floats) => Get(ref t_packedA, floats);

        public static unsafe float* Packed(int floats) => Get(ref t_packed, floats);

        public static unsafe float* Scratch(int floats) => Get(ref t_scratch, floats);

        static unsafe float* Get(ref float[]? array, int floats)
        {
            const int AlignFloats = 16;
            if (array is null || array.Length < floats + AlignFloats)
                array = GC.AllocateArray<float>(Math.Max(floats, 1024) + AlignFloats, pinned: true); // zeroed: padding lanes start as 0
            var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            return (float*)((address + 63) & ~(nint)63);
        }
    }

    /// <summary>
    /// Splits C over the pool into one disjoint block per thread: whole row tiles, or whole vector columns, whichever a
    /// simple cost model prefers. Every row block re-reads all of B (and re-packs it when transposed); every column
    /// block re-reads all of A and, when narrower than a panel, runs the less efficient one-vector kernel. Costs are
    /// in scalar fused multiply-adds: streaming a float ≈ 4, transposing one into a panel ≈ 12 (measured on Zen 5).
    /// One part per thread, because finer parts multiply that redundant traffic (measured: 8 column parts of
    /// 64×128×2000 TN ran about 2× slower than 2); parts are claimed dynamically, so the caller takes over the part of
    /// a worker that has not started yet.
    /// </summary>
    unsafe void RunParallel(WorkerPool pool, in Problem problem)
    {
        var rowsPerTile = _vector512 ? Micro512.Rows : Micro256.Rows;
        var width = _vector512 ? Micro512.Width : Micro256.Width;
        var rowTiles = (problem.M + rowsPerTile - 1) / rowsPerTile;
        var vectors = (problem.N + width - 1) / width;
        double m = problem.M, n = problem.N, k = problem.K;

        var rowParts = Math.Min(pool.ThreadCount, rowTiles);
        var rowCost = LargestPart(rowTiles, rowsPerTile, problem.M, rowParts) * n * k + k * n * (problem.TransposeB ? 12 : 4);
        var columnParts = Math.Min(pool.ThreadCount, vectors);
        var columnWidth = LargestPart(vectors, width, problem.N, columnParts);
        var columnCost = m * columnWidth * k * (columnWidth < 2 * width ? 1.5 : 1) + m * k * 4;
        if (rowParts < 2 && columnParts < 2)
        {
            Compute(problem, 0, problem.M, 0, problem.N);
            return;
        }
        if (columnParts < 2 || (rowParts >= 2 && rowCost <= columnCost)) columnParts = 1;
        else rowParts = 1;
        var job = t_job!;
        job.Set(this, problem, rowParts, columnParts, rowTiles, rowsPerTile, vectors, width);
        try
        {
            pool.Run(rowParts * columnParts, job);
        }
        finally
        {
            job.Clear();
        }
    }

    /// <summary>Where part <paramref name="part"/> of <paramref name="parts"/> starts, in whole units (row tiles, vectors).</summary>
    static int Boundary(int units, int unitSize, int total, int part, int parts) =>
        Math.Min(total, (int)((long)units * part / parts) * unitSize);

    static int LargestPart(int units, int unitSize, int total, int parts)
    {
        var largest = 0;
        for (var part = 0; part < parts; part++)
            largest = Math.Max(largest, Boundary(units, unitSize, total, part + 1, parts) - Boundary(units, unitSize, total, part, parts));
        return largest;
    }

    [ThreadStatic] static ParallelJob? t_job;

    sealed unsafe class ParallelJob : IParallelJob
    {
        BlockedGemm? _kernel;
        Problem _problem;
        int _rowParts, _columnParts, _rowTiles, _rowsPerTile, _columnUnits, _columnsPerUnit;

        public void Set(BlockedGemm kernel, in Problem problem, int rowParts, int columnParts, int rowTiles,
            int rowsPerTile, int columnUnits, int columnsPerUnit)
        {
            _kernel = kernel;
            _problem = problem;
            _rowParts = rowParts;
            _columnParts = columnParts;
            _rowTiles = rowTiles;
            _rowsPerTile = rowsPerTile;
            _columnUnits = columnUnits;
            _columnsPerUnit = columnsPerUnit;
        }

        public void Clear()
        {
            _kernel = null;
            _problem = default;
        }

        public void Execute(int part)
        {
            var rowPart = part / _columnParts;
            var columnPart = part % _columnParts;
            var rowStart = Boundary(_rowTiles, _rowsPerTile, _problem.M, rowPart, _rowParts);
            var rowEnd = Boundary(_rowTiles, _rowsPerTile, _problem.M, rowPart + 1, _rowParts);
            var colStart = Boundary(_columnUnits, _columnsPerUnit, _problem.N, columnPart, _columnParts);
            var colEnd = Boundary(_columnUnits, _columnsPerUnit, _problem.N, columnPart + 1, _columnParts);
            if (rowStart < rowEnd && colStart < colEnd) _kernel!.Compute(_problem, rowStart, rowEnd, colStart, colEnd);
        }
    }
}
