using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Delight.Numerics;

/// <summary>
/// One head of one sequence of causal attention, vectorised without horizontal sums (the head is short: 16 floats at
/// the papers' size, where a SIMD dot product spends most of its time reducing lanes). Layout as in
/// <see cref="CausalSelfAttention"/>: token u's query, key and value at qkv[u·3C + {0, C, 2C} + h·D …].
/// <para>
/// Scores (and dp in backward) are vectorised over the keys u: the head's keys are first transposed into a [D, Tp]
/// panel (Tp = T rounded up to 8, zero padded), then for each query row s[u] = Σ_p q[p]·k_u[p] accumulates one
/// broadcast fused multiply-add per p into a vector of 8 keys. Mixing and the gradients dq, dk, dv are vectorised
/// over the head's D floats and accumulate in registers. Every output element is therefore one fused multiply-add
/// chain in ascending order (p for scores; u for mixing and dq; t for dk and dv), exactly what the scalar
/// references below compute, so both give the same bits (tested) and the decode path gives the same bits as the
/// teacher-forced forward.
/// </para>
/// </summary>
public static class AttentionKernels
{
    /// <summary>Below this, exp underflows float32 to a subnormal or zero: such weights are exactly 0.</summary>
    const float SubnormalCutoff = -87f;

    /// <summary>Keys are processed 8 at a time; a panel row holds T rounded up to this.</summary>
    public const int KeyBlock = 8;

    public static int PaddedLength(int tokenCount) => (tokenCount + KeyBlock - 1) / KeyBlock * KeyBlock;

    /// <summary>
    /// Floats of scratch <see cref="Forward"/>, <see cref="Decode"/>, <see cref="DecodeHeads"/> and <see cref="Backward"/>
    /// need: a transposed panel, then up to two [T, Tp] row buffers (or four decode rows).
    /// </summary>
    public static int ScratchLength(int tokenCount, int headWidth)
    {
        var tp = PaddedLength(tokenCount);
        return 2 * headWidth * tp + tp * (2 * tokenCount + 4);
    }

    static bool Vectorised(int headWidth) => Vector256.IsHardwareAccelerated && headWidth % 8 == 0;

    /// <summary>
    /// Forward of head h of one sequence: probs [T, T] (zero above the diagonal) and heads[t, h·D …] for t &lt; T.
    /// <paramref name="qkv"/> points at the sequence's first token, <paramref name="heads"/> at its first output row.
    /// Scores, softmax and mixing each run over all rows before the next: four rows share each loop (their chains are
    /// independent, so the core overlaps them; one row at a time waits on each fused multiply-add's latency).
    /// </summary>
    public static unsafe void Forward(float* qkv, float* probs, float* heads, int tokenCount, int width, int headWidth, int head,
        float scale, Span<float> scratch)
    {
        int T = tokenCount, d = headWidth, t3 = 3 * width, tp = PaddedLength(T);
        fixed (float* s = scratch)
        {
            var keys = s;
            var rows = s + 2 * d * tp;
            TransposeHead(qkv + width + head * d, t3, T, d, tp, keys);
            ScoreRows(qkv + head * d, t3, keys, tp, d, T, scale, rows);
            // Rows t0…t0+7 (t0 a multiple of 8) all end in the same 8-key block.
            for (var t0 = 0; t0 < T; t0 += KeyBlock) SoftmaxRows(rows + (nint)t0 * tp, tp, Math.Min(KeyBlock, T - t0), t0 + 1, 1);
            for (var t = 0; t < T; t++) CopyRow(rows + (nint)t * tp, t + 1, probs + (nint)t * T, T);
            MixRows<AllTerms>(rows, tp, qkv + 2 * width + head * d, t3, T, d, heads + head * d, width);
        }
    }

    /// <summary>
    /// One decode position of every head of one sequence: the query at <paramref name="query"/> (C floats); head h's
    /// keys of positions 0…position as a transposed panel at keyPanels + h·D·keyStride (key u's channel p at
    /// [p·keyStride + u], keyStride a multiple of 8 with readable floats up to it); values in the cache rows (stride
    /// C); output C floats. Lanes past the position hold whatever the cache holds: the softmax masks them. Heads are
    /// independent, so four share each loop; every head's sums are those of <see cref="Decode"/>.
    /// </summary>
    public static unsafe void DecodeHeads(float* query, float* keyPanels, int keyStride, float* valueCache, float* output, int position,
        int width, int headWidth, int headCount, float scale, Span<float> scratch)
    {
        int d = headWidth, count = position + 1, tp = PaddedLength(count);
        fixed (float* s = scratch)
        {
            var rows = s + 2 * d * tp;
            var h = 0;
            if (Vectorised(d))
                for (; h + 4 <= headCount; h += 4)
                {
                    Scores4(query + h * d, d, keyPanels + (nint)h * d * keyStride, (nint)d * keyStride, keyStride, d, tp / KeyBlock, scale, rows, tp);
                    SoftmaxRows(rows, tp, 4, count, 0);
                    Mix4<AllTerms>(rows, tp, valueCache + h * d, d, width, count, 0, d, output + h * d, d);
                }
            for (; h < headCount; h++)
                Decode(query, keyPanels + (nint)h * d * keyStride, keyStride, valueCache, output, position, width, d, h, scale, scratch);
        }
    }

    /// <summary>
    /// One decode position of head h of one sequence: the query at <paramref name="query"/>; the head's keys of
    /// positions 0…position as a transposed panel (key u's channel p at keyPanel[p·keyStride + u], keyStride a multiple
    /// of 8 with readable floats up to it); values in the cache rows (stride C); output to <paramref name="output"/>
    /// (D floats). Lanes past the position hold whatever the cache holds: the softmax masks them.
    /// </summary>
    public static unsafe void Decode(float* query, float* keyPanel, int keyStride, float* valueCache, float* output, int position,
        int width, int headWidth, int head, float scale, Span<float> scratch)
    {
        int d = headWidth, count = position + 1;
        fixed (float* s = scratch)
        {
            var row = s + 2 * d * PaddedLength(count);
            Scores(query + head * d, keyPanel, keyStride, d, count, scale, row);
            Softmax(row, count);
            Mix(row, valueCache + head * d, width, count, d, output + head * d);
        }
    }

    /// <summary>
    /// Backward of head h of one sequence into this head's columns of dqkv (every one written, none accumulated):
    /// dp_tu = dO_t·v_u; ds = p ⊙ (dp − Σ_u p·dp)·scale; dq_t = Σ_u ds_tu k_u; dk_u = Σ_t ds_tu q_t; dv_u = Σ_t p_tu dO_t.
    /// Like <see cref="Forward"/>, every stage runs over all rows (or columns) four at a time.
    /// </summary>
    public static unsafe void Backward(float* qkv, float* probs, float* dHeads, float* dQkv, int tokenCount, int width, int headWidth,
        int head, float scale, Span<float> scratch)
    {
        int T = tokenCount, d = headWidth, t3 = 3 * width, tp = PaddedLength(T);
        fixed (float* s = scratch)
        {
            var values = s;
            var dp = s + 2 * d * tp;
            var ds = dp + (nint)T * tp;
            TransposeHead(qkv + 2 * width + head * d, t3, T, d, tp, values);
            ScoreRows(dHeads + head * d, width, values, tp, d, T, 1f, dp);
            for (var t = 0; t < T; t++)
                ScoreGradientRow(probs + (nint)t * T, dp + (nint)t * tp, t + 1, scale, ds + (nint)t * tp);
            // dq_t = Σ_u ds_tu k_u over the non-zero ds (a zero term is skipped, as in the reference).
            MixRows<NonZeroTerms>(ds, tp, qkv + width + head * d, t3, T, d, dQkv + head * d, t3);
            // dk_u = Σ_{t ≥ u} ds_tu q_t (zeros skipped); dv_u = Σ_{t ≥ u} p_tu dO_t.
            MixColumns<NonZeroTerms>(ds, tp, qkv + head * d, t3, T, d, dQkv + width + head * d, t3);
            MixColumns<AllTerms>(probs, T, dHeads + head * d, width, T, d, dQkv + 2 * width + head * d, t3);
        }
    }

    /// <summary>ds[u] = p[u]·(dp[u] − Σ_v p[v]·dp[v])·scale for u &lt; count: the softmax's backward, one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void ScoreGradientRow(float* p, float* dp, int count, float scale, float* ds)
    {
        var weighted = 0f;
        for (var u = 0; u < count; u++) weighted += p[u] * dp[u];
        var u0 = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vw = Vector256.Create(weighted), vscale = Vector256.Create(scale);
            for (; u0 + KeyBlock <= count; u0 += KeyBlock)
                (Vector256.Load(p + u0) * (Vector256.Load(dp + u0) - vw) * vscale).Store(ds + u0);
        }
        for (var u = u0; u < count; u++) ds[u] = p[u] * (dp[u] - weighted) * scale;
    }

    /// <summary>
    /// Causal scores of rows [0, rowCount): row t = (query t at q + t·qStride)·panel over keys 0…t, into
    /// rows + t·tp (whole 8-key blocks; lanes past t are not masked here). Four rows at a time: a multiple of 4 never
    /// straddles a block boundary, so the four share the block count.
    /// </summary>
    static unsafe void ScoreRows(float* q, nint qStride, float* panel, int tp, int d, int rowCount, float scale, float* rows)
    {
        var t = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; t + 4 <= rowCount; t += 4)
                Scores4(q + t * qStride, qStride, panel, 0, tp, d, t / KeyBlock + 1, scale, rows + (nint)t * tp, tp);
        for (; t < rowCount; t++) Scores(q + t * qStride, panel, tp, d, t + 1, scale, rows + (nint)t * tp);
    }

    /// <summary>
    /// <see cref="Scores"/> of four queries (q + r·qStep) against four panels (panel + r·panelStep; the same panel when
    /// 0) over <paramref name="blocks"/> 8-key blocks, into rows + r·rowStep: the same chains, interleaved.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Scores4(float* q, nint qStep, float* panel, nint panelStep, int tp, int d, int blocks, float scale, float* rows, nint rowStep)
    {
        var vscale = Vector256.Create(scale);
        float* q0 = q, q1 = q + qStep, q2 = q + 2 * qStep, q3 = q + 3 * qStep;
        for (var b = 0; b < blocks; b++)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var k = panel + b * KeyBlock;
            for (var p = 0; p < d; p++, k += tp)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(q0[p]), Vector256.Load(k), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Create(q1[p]), Vector256.Load(k + panelStep), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Create(q2[p]), Vector256.Load(k + 2 * panelStep), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Create(q3[p]), Vector256.Load(k + 3 * panelStep), a3);
            }
            var o = rows + b * KeyBlock;
            (a0 * vscale).Store(o);
            (a1 * vscale).Store(o + rowStep);
            (a2 * vscale).Store(o + 2 * rowStep);
            (a3 * vscale).Store(o + 3 * rowStep);
        }
    }

    /// <summary>probs[0…T) = row[0…count) then zeros: one row of the saved [T, T] probabilities.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void CopyRow(float* row, int count, float* probs, int T)
    {
        var u = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; u + KeyBlock <= count; u += KeyBlock) Vector256.Load(row + u).Store(probs + u);
        for (; u < count; u++) probs[u] = row[u];
        for (; u < T; u++) probs[u] = 0f;
    }

    /// <summary>
    /// Causal mixing of rows [0, T): o_t = Σ_{u ≤ t} w[t·wStride + u]·x_u (ascending u, fused; zero weights skipped
    /// when asked), x_u at x + u·stride, o_t at o + t·oStride. Four rows at a time (<see cref="Mix4{TTerms}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void MixRows<TTerms>(float* w, nint wStride, float* x, nint stride, int T, int d, float* o, nint oStride)
        where TTerms : struct, ITerms
    {
        var t = 0;
        if (Vectorised(d))
            for (; t + 4 <= T; t += 4)
                Mix4<TTerms>(w + t * wStride, wStride, x, 0, stride, t + 1, 1, d, o + t * oStride, oStride);
        for (; t < T; t++)
        {
            if (TTerms.SkipZeros) MixSkippingZeros(w + t * wStride, x, stride, 0, t + 1, 1, d, o + t * oStride);
            else Mix(w + t * wStride, x, stride, t + 1, d, o + t * oStride);
        }
    }

    /// <summary>
    /// Four mixes at once, each <see cref="Mix"/> (or <see cref="MixSkippingZeros"/>): mix r has weights
    /// w + r·wStep, vectors x + r·xStep + u·stride, and count + r·countStep terms (countStep 1 for consecutive causal
    /// rows, 0 for heads of one decode position); output at o + r·oStep. Each output is the same ascending chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Mix4<TTerms>(float* w, nint wStep, float* x, nint xStep, nint stride, int count, int countStep, int d, float* o, nint oStep)
        where TTerms : struct, ITerms
    {
        if (Wide(d)) Mix4<TTerms, Lanes512, Vector512<float>>(w, wStep, x, xStep, stride, count, countStep, d, o, oStep);
        else Mix4<TTerms, Lanes256, Vector256<float>>(w, wStep, x, xStep, stride, count, countStep, d, o, oStep);
    }

    /// <summary>
    /// Whether mixes over a head of <paramref name="headWidth"/> floats run 16 lanes at a time: one Vector512 covers a
    /// whole head at the papers' size (D = 16), half the instructions of two Vector256. Same chains, same bits.
    /// </summary>
    static bool Wide(int headWidth) => Vector512.IsHardwareAccelerated && headWidth % 16 == 0;

    /// <summary><see cref="Mix4{TTerms}"/> at one SIMD width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Mix4<TTerms, TLanes, TVector>(float* w, nint wStep, float* x, nint xStep, nint stride, int count, int countStep, int d,
        float* o, nint oStep)
        where TTerms : struct, ITerms where TLanes : struct, ILanes<TVector> where TVector : struct
    {
        float* w0 = w, w1 = w + wStep, w2 = w + 2 * wStep, w3 = w + 3 * wStep;
        for (var p0 = 0; p0 < d; p0 += TLanes.Count)
        {
            TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
            float* x0 = x + p0, x1 = x0 + xStep, x2 = x0 + 2 * xStep, x3 = x0 + 3 * xStep;
            for (var u = 0; u < count; u++)
            {
                var at = u * stride;
                a0 = MixTerm<TTerms, TLanes, TVector>(a0, x0 + at, w0[u]);
                a1 = MixTerm<TTerms, TLanes, TVector>(a1, x1 + at, w1[u]);
                a2 = MixTerm<TTerms, TLanes, TVector>(a2, x2 + at, w2[u]);
                a3 = MixTerm<TTerms, TLanes, TVector>(a3, x3 + at, w3[u]);
            }
            if (countStep != 0)
            {
                // Causal rows: row r has r more terms than row 0.
                var u = count;
                a1 = MixTerm<TTerms, TLanes, TVector>(a1, x1 + u * stride, w1[u]);
                a2 = MixTerm<TTerms, TLanes, TVector>(a2, x2 + u * stride, w2[u]);
                a3 = MixTerm<TTerms, TLanes, TVector>(a3, x3 + u * stride, w3[u]);
                u++;
                a2 = MixTerm<TTerms, TLanes, TVector>(a2, x2 + u * stride, w2[u]);
                a3 = MixTerm<TTerms, TLanes, TVector>(a3, x3 + u * stride, w3[u]);
                u++;
                a3 = MixTerm<TTerms, TLanes, TVector>(a3, x3 + u * stride, w3[u]);
            }
            TLanes.Store(a0, o + p0);
            TLanes.Store(a1, o + oStep + p0);
            TLanes.Store(a2, o + 2 * oStep + p0);
            TLanes.Store(a3, o + 3 * oStep + p0);
        }
    }

    /// <summary>acc + weight·x (fused), or acc unchanged for a zero weight when zeros are skipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe TVector MixTerm<TTerms, TLanes, TVector>(TVector acc, float* x, float weight)
        where TTerms : struct, ITerms where TLanes : struct, ILanes<TVector> where TVector : struct
        => TTerms.SkipZeros && weight == 0f ? acc : TLanes.FusedMultiplyAdd(TLanes.Load(x), TLanes.Broadcast(weight), acc);

    /// <summary>Which terms of a mix are added: the generic argument makes the choice a constant in each compiled copy.</summary>
    interface ITerms
    {
        /// <summary>Whether a zero weight's term is left out rather than added (the backward's dq and dk, as the reference does).</summary>
        static abstract bool SkipZeros { get; }
    }

    readonly struct AllTerms : ITerms
    {
        public static bool SkipZeros => false;
    }

    readonly struct NonZeroTerms : ITerms
    {
        public static bool SkipZeros => true;
    }

    /// <summary>
    /// Column mixing: o_u = Σ_{t ∈ [u, T)} w[t·wStride + u]·x_t (ascending t, fused; zeros skipped when asked), x_t at
    /// x + t·stride, o_u at o + u·oStride. Four columns at a time: column u + r starts r rows later, so the first three
    /// rows feed fewer columns, and then all four run together.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void MixColumns<TTerms>(float* w, nint wStride, float* x, nint stride, int T, int d, float* o, nint oStride)
        where TTerms : struct, ITerms
    {
        var u = 0;
        if (Wide(d))
            for (; u + 4 <= T; u += 4) MixColumns4<TTerms, Lanes512, Vector512<float>>(w, wStride, x, stride, T, d, o, oStride, u);
        else if (Vectorised(d))
            for (; u + 4 <= T; u += 4) MixColumns4<TTerms, Lanes256, Vector256<float>>(w, wStride, x, stride, T, d, o, oStride, u);
        for (; u < T; u++)
        {
            if (TTerms.SkipZeros) MixSkippingZeros(w + u * wStride + u, x, stride, u, T, wStride, d, o + u * oStride);
            else MixColumn(w + u, x, stride, u, T, wStride, d, o + u * oStride);
        }
    }

    /// <summary>Columns u…u+3 of <see cref="MixColumns{TTerms}"/> at one SIMD width (u + 4 ≤ T).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void MixColumns4<TTerms, TLanes, TVector>(float* w, nint wStride, float* x, nint stride, int T, int d, float* o, nint oStride, int u)
        where TTerms : struct, ITerms where TLanes : struct, ILanes<TVector> where TVector : struct
    {
        var wu = w + u;
        for (var p0 = 0; p0 < d; p0 += TLanes.Count)
        {
            TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
            var x0 = x + p0;
            a0 = MixTerm<TTerms, TLanes, TVector>(a0, x0 + u * stride, wu[u * wStride]);
            a0 = MixTerm<TTerms, TLanes, TVector>(a0, x0 + (u + 1) * stride, wu[(u + 1) * wStride]);
            a1 = MixTerm<TTerms, TLanes, TVector>(a1, x0 + (u + 1) * stride, wu[(u + 1) * wStride + 1]);
            a0 = MixTerm<TTerms, TLanes, TVector>(a0, x0 + (u + 2) * stride, wu[(u + 2) * wStride]);
            a1 = MixTerm<TTerms, TLanes, TVector>(a1, x0 + (u + 2) * stride, wu[(u + 2) * wStride + 1]);
            a2 = MixTerm<TTerms, TLanes, TVector>(a2, x0 + (u + 2) * stride, wu[(u + 2) * wStride + 2]);
            for (var t = u + 3; t < T; t++)
            {
                var xt = x0 + t * stride;
                var wt = wu + t * wStride;
                a0 = MixTerm<TTerms, TLanes, TVector>(a0, xt, wt[0]);
                a1 = MixTerm<TTerms, TLanes, TVector>(a1, xt, wt[1]);
                a2 = MixTerm<TTerms, TLanes, TVector>(a2, xt, wt[2]);
                a3 = MixTerm<TTerms, TLanes, TVector>(a3, xt, wt[3]);
            }
            TLanes.Store(a0, o + u * oStride + p0);
            TLanes.Store(a1, o + (u + 1) * oStride + p0);
            TLanes.Store(a2, o + (u + 2) * oStride + p0);
            TLanes.Store(a3, o + (u + 3) * oStride + p0);
        }
    }

    /// <summary>panel[p·tp + u] = src[u·stride + p] for u &lt; count, p &lt; d; columns count…tp are zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void TransposeHead(float* src, nint stride, int count, int d, int tp, float* panel)
    {
        for (var u = 0; u < count; u++)
        {
            var x = src + u * stride;
            for (var p = 0; p < d; p++) panel[(nint)p * tp + u] = x[p];
        }
        for (var p = 0; p < d; p++)
            for (var u = count; u < tp; u++) panel[(nint)p * tp + u] = 0f;
    }

    /// <summary>row[u] = (Σ_p q[p]·panel[p, u])·scale for u &lt; count (ascending p, fused), 8 keys per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Scores(float* q, float* panel, int tp, int d, int count, float scale, float* row)
    {
        var u0 = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vscale = Vector256.Create(scale);
            for (; u0 < count; u0 += KeyBlock)
            {
                var acc = Vector256<float>.Zero;
                var k = panel + u0;
                for (var p = 0; p < d; p++, k += tp)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(q[p]), Vector256.Load(k), acc);
                (acc * vscale).Store(row + u0);
            }
            return;
        }
        for (var u = 0; u < count; u++)
        {
            var sum = 0f;
            for (var p = 0; p < d; p++) sum = MathF.FusedMultiplyAdd(q[p], panel[(nint)p * tp + u], sum);
            row[u] = sum * scale;
        }
    }

    /// <summary>
    /// <see cref="Softmax"/> of up to 8 rows at once: row r at rows + r·rowStride with firstCount + r·countStep
    /// entries. The same bits as one row at a time, with the reductions done across rows: each row's maximum by
    /// shuffles (a maximum does not depend on order), and its 8 lane sums transposed so that lane 0 + lane 1 + … +
    /// lane 7 of every row is one vector add chain, then one division for all rows. Without AVX2, row by row.
    /// </summary>
    static unsafe void SoftmaxRows(float* rows, nint rowStride, int n, int firstCount, int countStep)
    {
        if (!Avx2.IsSupported)
        {
            for (var r = 0; r < n; r++) Softmax(rows + r * rowStride, firstCount + r * countStep);
            return;
        }
        var index = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        var sums = stackalloc Vector256<float>[KeyBlock];
        for (var r = 0; r < n; r++)
        {
            var row = rows + r * rowStride;
            var count = firstCount + r * countStep;
            var last = PaddedLength(count) - KeyBlock;
            var inside = Vector256.LessThan(index + Vector256.Create((float)last), Vector256.Create((float)count));
            var lastBlock = Vector256.ConditionalSelect(inside, Vector256.Load(row + last), negativeInfinity);
            var max = lastBlock;
            for (var u = 0; u < last; u += KeyBlock) max = Vector256.Max(max, Vector256.Load(row + u));
            max = Vector256.Max(max, Avx.Permute2x128(max, max, 1));
            max = Vector256.Max(max, Avx.Permute(max, 0b01_00_11_10));
            max = Vector256.Max(max, Avx.Permute(max, 0b10_11_00_01));
            var sum = Vector256<float>.Zero;
            for (var u = 0; u < last; u += KeyBlock)
            {
                var e = Exp8(Vector256.Load(row + u) - max);
                e.Store(row + u);
                sum += e;
            }
            var lastExp = Exp8(lastBlock - max);
            lastExp.Store(row + last);
            sums[r] = sum + lastExp;
        }
        for (var r = n; r < KeyBlock; r++) sums[r] = Vector256<float>.Zero;
        var inverse = Vector256.Create(1f) / SumLanesOfEach(sums);
        for (var r = 0; r < n; r++)
        {
            var row = rows + r * rowStride;
            var scale = Avx2.PermuteVar8x32(inverse, Vector256.Create(r));
            var padded = PaddedLength(firstCount + r * countStep);
            for (var u = 0; u < padded; u += KeyBlock) (Vector256.Load(row + u) * scale).Store(row + u);
        }
    }

    /// <summary>Lane r = v[r]'s lane 0 + lane 1 + … + lane 7, in that order: an 8×8 transpose, then 7 adds.</summary>
    static unsafe Vector256<float> SumLanesOfEach(Vector256<float>* v)
    {
        Vector256<float> t0 = Avx.UnpackLow(v[0], v[1]), t1 = Avx.UnpackHigh(v[0], v[1]);
        Vector256<float> t2 = Avx.UnpackLow(v[2], v[3]), t3 = Avx.UnpackHigh(v[2], v[3]);
        Vector256<float> t4 = Avx.UnpackLow(v[4], v[5]), t5 = Avx.UnpackHigh(v[4], v[5]);
        Vector256<float> t6 = Avx.UnpackLow(v[6], v[7]), t7 = Avx.UnpackHigh(v[6], v[7]);
        // u0 = lanes 0 and 4 of rows 0…3 (per 128-bit half), u1 = lanes 1 and 5, …; u4…u7 the same for rows 4…7.
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        var sum = Avx.Permute2x128(u0, u4, 0x20);
        sum += Avx.Permute2x128(u1, u5, 0x20);
        sum += Avx.Permute2x128(u2, u6, 0x20);
        sum += Avx.Permute2x128(u3, u7, 0x20);
        sum += Avx.Permute2x128(u0, u4, 0x31);
        sum += Avx.Permute2x128(u1, u5, 0x31);
        sum += Avx.Permute2x128(u2, u6, 0x31);
        sum += Avx.Permute2x128(u3, u7, 0x31);
        return sum;
    }

    /// <summary>
    /// In place softmax of row[0…count) (the row has room for <see cref="PaddedLength"/>(count) floats); weights whose
    /// shifted score is below −87 are exactly 0. Vectorised over 8 keys: the exponential is <see cref="Exp8"/>, the
    /// normaliser sums 8 lanes over the blocks and then the lanes in order (<see cref="SoftmaxReference"/> does the same).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Softmax(float* row, int count)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            SoftmaxReference(new Span<float>(row, PaddedLength(count)), count);
            return;
        }
        var padded = PaddedLength(count);
        var index = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        var limit = Vector256.Create((float)count);
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        var max = negativeInfinity;
        for (var u = 0; u < padded; u += KeyBlock)
        {
            var inside = Vector256.LessThan(index + Vector256.Create((float)u), limit);
            var x = Vector256.ConditionalSelect(inside, Vector256.Load(row + u), negativeInfinity);
            x.Store(row + u);
            max = Vector256.Max(max, x);
        }
        var m = HorizontalMax(max);
        var vm = Vector256.Create(m);
        var sums = Vector256<float>.Zero;
        for (var u = 0; u < padded; u += KeyBlock)
        {
            var e = Exp8(Vector256.Load(row + u) - vm);
            e.Store(row + u);
            sums += e;
        }
        var inv = Vector256.Create(1f / SumLanes(sums));
        for (var u = 0; u < padded; u += KeyBlock) (Vector256.Load(row + u) * inv).Store(row + u);
    }

    static float HorizontalMax(Vector256<float> v)
    {
        var m = v.GetElement(0);
        for (var i = 1; i < 8; i++) m = MathF.Max(m, v.GetElement(i));
        return m;
    }

    /// <summary>Lane 0 + lane 1 + … + lane 7, in that order.</summary>
    static float SumLanes(Vector256<float> v)
    {
        var s = v.GetElement(0);
        for (var i = 1; i < 8; i++) s += v.GetElement(i);
        return s;
    }

    /// <summary>
    /// exp(x) for x ≤ 0 on 8 lanes, exactly 0 where x ≤ −87 (where float32's exp would be subnormal) and for −∞:
    /// x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by a degree-6 polynomial (relative error below 2e-7), 2ⁿ through the
    /// exponent bits. Lane-wise, so the result of a lane depends on that lane's input only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp8(Vector256<float> x)
    {
        var keep = Vector256.GreaterThan(x, Vector256.Create(SubnormalCutoff));
        x = Vector256.Max(x, Vector256.Create(SubnormalCutoff));
        var n = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return Vector256.BitwiseAnd(p * scale.AsSingle(), keep);
    }

    /// <summary>The scalar form of <see cref="Exp8"/>: the same operations on one value, so the same bits.</summary>
    public static float Exp1(float x)
    {
        if (!(x > SubnormalCutoff)) return 0f;
        var n = MathF.Round(x * 1.44269504088896341f);
        var r = MathF.FusedMultiplyAdd(n, -0.693359375f, x);
        r = MathF.FusedMultiplyAdd(n, 2.12194440e-4f, r);
        var p = 1.9875691500e-4f;
        p = MathF.FusedMultiplyAdd(p, r, 1.3981999507e-3f);
        p = MathF.FusedMultiplyAdd(p, r, 8.3334519073e-3f);
        p = MathF.FusedMultiplyAdd(p, r, 4.1665795894e-2f);
        p = MathF.FusedMultiplyAdd(p, r, 1.6666665459e-1f);
        p = MathF.FusedMultiplyAdd(p, r, 5.0000001201e-1f);
        p = MathF.FusedMultiplyAdd(p, r * r, r + 1f);
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    /// <summary>o = Σ_{u &lt; count} w[u]·v_u (ascending u, fused), v_u at values + u·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void Mix(float* w, float* values, nint stride, int count, int d, float* o)
    {
        var p0 = 0;
        if (Vectorised(d))
            for (; p0 < d; p0 += 8)
            {
                var acc = Vector256<float>.Zero;
                var v = values + p0;
                for (var u = 0; u < count; u++, v += stride)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(v), Vector256.Create(w[u]), acc);
                acc.Store(o + p0);
            }
        for (var p = p0; p < d; p++)
        {
            var acc = 0f;
            for (var u = 0; u < count; u++) acc = MathF.FusedMultiplyAdd(values[u * stride + p], w[u], acc);
            o[p] = acc;
        }
    }

    /// <summary>
    /// o = Σ_{i ∈ [first, end), w ≠ 0} w[(i − first)·wStride]·x_i (ascending i, fused), x_i at x + i·stride. A zero
    /// weight is skipped rather than added, as the reference does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void MixSkippingZeros(float* w, float* x, nint stride, int first, int end, nint wStride, int d, float* o)
    {
        var p0 = 0;
        if (Vectorised(d))
            for (; p0 < d; p0 += 8)
            {
                var acc = Vector256<float>.Zero;
                for (var i = first; i < end; i++)
                {
                    var wi = w[(i - first) * wStride];
                    if (wi == 0f) continue;
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(x + i * stride + p0), Vector256.Create(wi), acc);
                }
                acc.Store(o + p0);
            }
        for (var p = p0; p < d; p++)
        {
            var acc = 0f;
            for (var i = first; i < end; i++)
            {
                var wi = w[(i - first) * wStride];
                if (wi != 0f) acc = MathF.FusedMultiplyAdd(x[i * stride + p], wi, acc);
            }
            o[p] = acc;
        }
    }

    /// <summary>o = Σ_{t ∈ [first, end)} probs[t·T]·x_t (ascending t, fused, zeros included), x_t at x + t·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe void MixColumn(float* column, float* x, nint stride, int first, int end, nint columnStride, int d, float* o)
    {
        var p0 = 0;
        if (Vectorised(d))
            for (; p0 < d; p0 += 8)
            {
                var acc = Vector256<float>.Zero;
                for (var t = first; t < end; t++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Load(x + t * stride + p0), Vector256.Create(column[t * columnStride]), acc);
                acc.Store(o + p0);
            }
        for (var p = p0; p < d; p++)
        {
            var acc = 0f;
            for (var t = first; t < end; t++) acc = MathF.FusedMultiplyAdd(x[t * stride + p], column[t * columnStride], acc);
            o[p] = acc;
        }
    }

    // ---- Scalar references: the same sums in the same order, one element at a time, straight from the formulas. ----

    /// <summary>Reference forward of a whole batch: probs [B, H, T, T], heads [B·T, C].</summary>
    public static void ForwardReference(ReadOnlySpan<float> qkv, Span<float> probs, Span<float> heads, int sequenceCount, int tokenCount,
        int width, int headCount)
    {
        int T = tokenCount, c = width, d = width / headCount, t3 = 3 * c;
        var scale = 1f / MathF.Sqrt(d);
        var row = new float[PaddedLength(T)];
        for (var b = 0; b < sequenceCount; b++)
            for (var h = 0; h < headCount; h++)
                for (var t = 0; t < T; t++)
                {
                    var q = qkv.Slice((b * T + t) * t3 + h * d, d);
                    for (var u = 0; u <= t; u++) row[u] = SmallVector.DotScalar(q, qkv.Slice((b * T + u) * t3 + c + h * d, d)) * scale;
                    SoftmaxReference(row, t + 1);
                    var p = probs.Slice(((b * headCount + h) * T + t) * T, T);
                    p.Clear();
                    row.AsSpan(0, t + 1).CopyTo(p);
                    var o = heads.Slice((b * T + t) * c + h * d, d);
                    o.Clear();
                    for (var u = 0; u <= t; u++) SmallVector.AxpyScalar(p[u], qkv.Slice((b * T + u) * t3 + 2 * c + h * d, d), o);
                }
    }

    /// <summary>Reference backward of a whole batch into dQkv [B·T, 3C] (overwritten).</summary>
    public static void BackwardReference(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dHeads, Span<float> dQkv,
        int sequenceCount, int tokenCount, int width, int headCount)
    {
        int T = tokenCount, c = width, d = width / headCount, t3 = 3 * c;
        var scale = 1f / MathF.Sqrt(d);
        var dp = new float[T];
        dQkv[..(sequenceCount * T * t3)].Clear();
        for (var b = 0; b < sequenceCount; b++)
            for (var h = 0; h < headCount; h++)
                for (var t = 0; t < T; t++)
                {
                    var p = probs.Slice(((b * headCount + h) * T + t) * T, T);
                    var dO = dHeads.Slice((b * T + t) * c + h * d, d);
                    var weighted = 0f;
                    for (var u = 0; u <= t; u++)
                    {
                        dp[u] = SmallVector.DotScalar(dO, qkv.Slice((b * T + u) * t3 + 2 * c + h * d, d));
                        weighted += p[u] * dp[u];
                        SmallVector.AxpyScalar(p[u], dO, dQkv.Slice((b * T + u) * t3 + 2 * c + h * d, d));
                    }
                    var q = qkv.Slice((b * T + t) * t3 + h * d, d);
                    var dq = dQkv.Slice((b * T + t) * t3 + h * d, d);
                    for (var u = 0; u <= t; u++)
                    {
                        var ds = p[u] * (dp[u] - weighted) * scale;
                        if (ds == 0f) continue;
                        SmallVector.AxpyScalar(ds, qkv.Slice((b * T + u) * t3 + c + h * d, d), dq);
                        SmallVector.AxpyScalar(ds, q, dQkv.Slice((b * T + u) * t3 + c + h * d, d));
                    }
                }
    }

    /// <summary>The softmax of <see cref="Softmax"/> one value at a time: 8 lane sums over the blocks, then the lanes in order.</summary>
    static void SoftmaxReference(Span<float> row, int count)
    {
        var max = float.NegativeInfinity;
        for (var u = 0; u < count; u++) max = MathF.Max(max, row[u]);
        Span<float> lanes = stackalloc float[KeyBlock];
        lanes.Clear();
        for (var u = 0; u < count; u++)
        {
            row[u] = Exp1(row[u] - max);
            lanes[u % KeyBlock] += row[u];
        }
        var sum = lanes[0];
        for (var i = 1; i < KeyBlock; i++) sum += lanes[i];
        var inv = 1f / sum;
        for (var u = 0; u < count; u++) row[u] *= inv;
    }

    /// <summary>A per-thread scratch buffer of at least <paramref name="length"/> floats (grown on demand, never shrunk).</summary>
    public static Span<float> ThreadScratch(int length)
    {
        if (t_scratch is null || t_scratch.Length < length) t_scratch = GC.AllocateArray<float>(Math.Max(length, 1024), pinned: true);
        return t_scratch.AsSpan(0, length);
    }

    [ThreadStatic] static float[]? t_scratch;
}
