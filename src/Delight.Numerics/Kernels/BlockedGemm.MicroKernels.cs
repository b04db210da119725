// The two micro-kernels differ only in vector type, width and row count. They are written out rather than made
// generic over the vector type because ISimdVector<TSelf, T> is not public; keep them in step when editing.
// TRows, TCols and TLayout are structs, so the JIT compiles one specialised copy per combination and every
// `if (TRows.Value > r)` folds to a constant: only the live accumulators survive and stay in registers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Delight.Numerics;

public sealed partial class BlockedGemm
{
    /// <summary>
    /// The Vector512 micro-kernel: a TRows×(TCols·16) tile of C (TRows ≤ 8, TCols ≤ 2) held in TRows·TCols accumulators.
    /// Per p it loads TCols vectors of the B panel row and, for every row, broadcasts A(i,p) and fuses one multiply-add
    /// per vector: acc = fma(A(i,p), B(p,j), acc). The accumulators start at C (<paramref name="load"/>) or at +0.
    /// </summary>
    /// <param name="a">A(i0, p0); row r is at a + r·lda (row-major A) or a + r (column-major A)</param>
    /// <param name="lda">row-major A: distance between rows; column-major A: distance between successive p</param>
    /// <param name="b">B(p0, j0); row p of the panel is at b + p·ldb, and holds TCols·16 readable floats</param>
    /// <param name="c">C(i0, j0); row r at c + r·ldc, TCols·16 floats each</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Kernel512<TRows, TCols, TLayout>(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, bool load)
        where TRows : struct, IConstant where TCols : struct, IConstant where TLayout : struct, ILayout
    {
        const int W = 16;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        if (load)
        {
            { c00 = Vector512.Load(c + 0 * ldc); if (TCols.Value > 1) c01 = Vector512.Load(c + 0 * ldc + W); }
            if (TRows.Value > 1) { c10 = Vector512.Load(c + 1 * ldc); if (TCols.Value > 1) c11 = Vector512.Load(c + 1 * ldc + W); }
            if (TRows.Value > 2) { c20 = Vector512.Load(c + 2 * ldc); if (TCols.Value > 1) c21 = Vector512.Load(c + 2 * ldc + W); }
            if (TRows.Value > 3) { c30 = Vector512.Load(c + 3 * ldc); if (TCols.Value > 1) c31 = Vector512.Load(c + 3 * ldc + W); }
            if (TRows.Value > 4) { c40 = Vector512.Load(c + 4 * ldc); if (TCols.Value > 1) c41 = Vector512.Load(c + 4 * ldc + W); }
            if (TRows.Value > 5) { c50 = Vector512.Load(c + 5 * ldc); if (TCols.Value > 1) c51 = Vector512.Load(c + 5 * ldc + W); }
            if (TRows.Value > 6) { c60 = Vector512.Load(c + 6 * ldc); if (TCols.Value > 1) c61 = Vector512.Load(c + 6 * ldc + W); }
            if (TRows.Value > 7) { c70 = Vector512.Load(c + 7 * ldc); if (TCols.Value > 1) c71 = Vector512.Load(c + 7 * ldc + W); }
        }
        if (TLayout.RowMajor)
        {
            // A(i, p) = a[r·lda + p]: one base pointer per row, p is the shared index.
            float* a0 = a + 0 * lda, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
            for (nint p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = TCols.Value > 1 ? Vector512.Load(b + W) : default;
                b += ldb;
                { var x = Vector512.Create(a0[p]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); if (TCols.Value > 1) c01 = Vector512.FusedMultiplyAdd(x, b1, c01); }
                if (TRows.Value > 1) { var x = Vector512.Create(a1[p]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); if (TCols.Value > 1) c11 = Vector512.FusedMultiplyAdd(x, b1, c11); }
                if (TRows.Value > 2) { var x = Vector512.Create(a2[p]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); if (TCols.Value > 1) c21 = Vector512.FusedMultiplyAdd(x, b1, c21); }
                if (TRows.Value > 3) { var x = Vector512.Create(a3[p]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); if (TCols.Value > 1) c31 = Vector512.FusedMultiplyAdd(x, b1, c31); }
                if (TRows.Value > 4) { var x = Vector512.Create(a4[p]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); if (TCols.Value > 1) c41 = Vector512.FusedMultiplyAdd(x, b1, c41); }
                if (TRows.Value > 5) { var x = Vector512.Create(a5[p]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); if (TCols.Value > 1) c51 = Vector512.FusedMultiplyAdd(x, b1, c51); }
                if (TRows.Value > 6) { var x = Vector512.Create(a6[p]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); if (TCols.Value > 1) c61 = Vector512.FusedMultiplyAdd(x, b1, c61); }
                if (TRows.Value > 7) { var x = Vector512.Create(a7[p]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); if (TCols.Value > 1) c71 = Vector512.FusedMultiplyAdd(x, b1, c71); }
            }
        }
        else
        {
            // A(i, p) = a[p·lda + r]: the TRows values of one p are adjacent.
            for (nint p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(b);
                var b1 = TCols.Value > 1 ? Vector512.Load(b + W) : default;
                b += ldb;
                { var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); if (TCols.Value > 1) c01 = Vector512.FusedMultiplyAdd(x, b1, c01); }
                if (TRows.Value > 1) { var x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); if (TCols.Value > 1) c11 = Vector512.FusedMultiplyAdd(x, b1, c11); }
                if (TRows.Value > 2) { var x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); if (TCols.Value > 1) c21 = Vector512.FusedMultiplyAdd(x, b1, c21); }
                if (TRows.Value > 3) { var x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); if (TCols.Value > 1) c31 = Vector512.FusedMultiplyAdd(x, b1, c31); }
                if (TRows.Value > 4) { var x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); if (TCols.Value > 1) c41 = Vector512.FusedMultiplyAdd(x, b1, c41); }
                if (TRows.Value > 5) { var x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); if (TCols.Value > 1) c51 = Vector512.FusedMultiplyAdd(x, b1, c51); }
                if (TRows.Value > 6) { var x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); if (TCols.Value > 1) c61 = Vector512.FusedMultiplyAdd(x, b1, c61); }
                if (TRows.Value > 7) { var x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); if (TCols.Value > 1) c71 = Vector512.FusedMultiplyAdd(x, b1, c71); }
                a += lda;
            }
        }
        { c00.Store(c + 0 * ldc); if (TCols.Value > 1) c01.Store(c + 0 * ldc + W); }
        if (TRows.Value > 1) { c10.Store(c + 1 * ldc); if (TCols.Value > 1) c11.Store(c + 1 * ldc + W); }
        if (TRows.Value > 2) { c20.Store(c + 2 * ldc); if (TCols.Value > 1) c21.Store(c + 2 * ldc + W); }
        if (TRows.Value > 3) { c30.Store(c + 3 * ldc); if (TCols.Value > 1) c31.Store(c + 3 * ldc + W); }
        if (TRows.Value > 4) { c40.Store(c + 4 * ldc); if (TCols.Value > 1) c41.Store(c + 4 * ldc + W); }
        if (TRows.Value > 5) { c50.Store(c + 5 * ldc); if (TCols.Value > 1) c51.Store(c + 5 * ldc + W); }
        if (TRows.Value > 6) { c60.Store(c + 6 * ldc); if (TCols.Value > 1) c61.Store(c + 6 * ldc + W); }
        if (TRows.Value > 7) { c70.Store(c + 7 * ldc); if (TCols.Value > 1) c71.Store(c + 7 * ldc + W); }
    }

    /// <summary>
    /// The Vector256 micro-kernel: a TRows×(TCols·8) tile of C (TRows ≤ 6, TCols ≤ 2) held in TRows·TCols accumulators.
    /// Per p it loads TCols vectors of the B panel row and, for every row, broadcasts A(i,p) and fuses one multiply-add
    /// per vector: acc = fma(A(i,p), B(p,j), acc). The accumulators start at C (<paramref name="load"/>) or at +0.
    /// </summary>
    /// <param name="a">A(i0, p0); row r is at a + r·lda (row-major A) or a + r (column-major A)</param>
    /// <param name="lda">row-major A: distance between rows; column-major A: distance between successive p</param>
    /// <param name="b">B(p0, j0); row p of the panel is at b + p·ldb, and holds TCols·8 readable floats</param>
    /// <param name="c">C(i0, j0); row r at c + r·ldc, TCols·8 floats each</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static unsafe void Kernel256<TRows, TCols, TLayout>(float* a, nint lda, float* b, nint ldb, nint kc, float* c, nint ldc, bool load)
        where TRows : struct, IConstant where TCols : struct, IConstant where TLayout : struct, ILayout
    {
        const int W = 8;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (load)
        {
            { c00 = Vector256.Load(c + 0 * ldc); if (TCols.Value > 1) c01 = Vector256.Load(c + 0 * ldc + W); }
            if (TRows.Value > 1) { c10 = Vector256.Load(c + 1 * ldc); if (TCols.Value > 1) c11 = Vector256.Load(c + 1 * ldc + W); }
            if (TRows.Value > 2) { c20 = Vector256.Load(c + 2 * ldc); if (TCols.Value > 1) c21 = Vector256.Load(c + 2 * ldc + W); }
            if (TRows.Value > 3) { c30 = Vector256.Load(c + 3 * ldc); if (TCols.Value > 1) c31 = Vector256.Load(c + 3 * ldc + W); }
            if (TRows.Value > 4) { c40 = Vector256.Load(c + 4 * ldc); if (TCols.Value > 1) c41 = Vector256.Load(c + 4 * ldc + W); }
            if (TRows.Value > 5) { c50 = Vector256.Load(c + 5 * ldc); if (TCols.Value > 1) c51 = Vector256.Load(c + 5 * ldc + W); }
        }
        if (TLayout.RowMajor)
        {
            // A(i, p) = a[r·lda + p]: one base pointer per row, p is the shared index.
            float* a0 = a + 0 * lda, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
            for (nint p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = TCols.Value > 1 ? Vector256.Load(b + W) : default;
                b += ldb;
                { var x = Vector256.Create(a0[p]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); if (TCols.Value > 1) c01 = Vector256.FusedMultiplyAdd(x, b1, c01); }
                if (TRows.Value > 1) { var x = Vector256.Create(a1[p]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); if (TCols.Value > 1) c11 = Vector256.FusedMultiplyAdd(x, b1, c11); }
                if (TRows.Value > 2) { var x = Vector256.Create(a2[p]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); if (TCols.Value > 1) c21 = Vector256.FusedMultiplyAdd(x, b1, c21); }
                if (TRows.Value > 3) { var x = Vector256.Create(a3[p]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); if (TCols.Value > 1) c31 = Vector256.FusedMultiplyAdd(x, b1, c31); }
                if (TRows.Value > 4) { var x = Vector256.Create(a4[p]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); if (TCols.Value > 1) c41 = Vector256.FusedMultiplyAdd(x, b1, c41); }
                if (TRows.Value > 5) { var x = Vector256.Create(a5[p]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); if (TCols.Value > 1) c51 = Vector256.FusedMultiplyAdd(x, b1, c51); }
            }
        }
        else
        {
            // A(i, p) = a[p·lda + r]: the TRows values of one p are adjacent.
            for (nint p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(b);
                var b1 = TCols.Value > 1 ? Vector256.Load(b + W) : default;
                b += ldb;
                { var x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); if (TCols.Value > 1) c01 = Vector256.FusedMultiplyAdd(x, b1, c01); }
                if (TRows.Value > 1) { var x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); if (TCols.Value > 1) c11 = Vector256.FusedMultiplyAdd(x, b1, c11); }
                if (TRows.Value > 2) { var x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); if (TCols.Value > 1) c21 = Vector256.FusedMultiplyAdd(x, b1, c21); }
                if (TRows.Value > 3) { var x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); if (TCols.Value > 1) c31 = Vector256.FusedMultiplyAdd(x, b1, c31); }
                if (TRows.Value > 4) { var x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); if (TCols.Value > 1) c41 = Vector256.FusedMultiplyAdd(x, b1, c41); }
                if (TRows.Value > 5) { var x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); if (TCols.Value > 1) c51 = Vector256.FusedMultiplyAdd(x, b1, c51); }
                a += lda;
            }
        }
        { c00.Store(c + 0 * ldc); if (TCols.Value > 1) c01.Store(c + 0 * ldc + W); }
        if (TRows.Value > 1) { c10.Store(c + 1 * ldc); if (TCols.Value > 1) c11.Store(c + 1 * ldc + W); }
        if (TRows.Value > 2) { c20.Store(c + 2 * ldc); if (TCols.Value > 1) c21.Store(c + 2 * ldc + W); }
        if (TRows.Value > 3) { c30.Store(c + 3 * ldc); if (TCols.Value > 1) c31.Store(c + 3 * ldc + W); }
        if (TRows.Value > 4) { c40.Store(c + 4 * ldc); if (TCols.Value > 1) c41.Store(c + 4 * ldc + W); }
        if (TRows.Value > 5) { c50.Store(c + 5 * ldc); if (TCols.Value > 1) c51.Store(c + 5 * ldc + W); }
    }
}
