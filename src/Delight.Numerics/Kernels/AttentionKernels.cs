using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>Floats of scratch <see cref="Forward"/>, <see cref="Decode"/> and <see cref="Backward"/> need.</summary>
    public static int ScratchLength(int tokenCount, int headWidth)
    {
        var tp = PaddedLength(tokenCount);
        return 2 * headWidth * tp + tp * (tokenCount + 2);
    }

    static bool Vectorised(int headWidth) => Vector256.IsHardwareAccelerated && headWidth % 8 == 0;

    /// <summary>
    /// Forward of head h of one sequence: probs [T, T] (zero above the diagonal) and heads[t, h·D …] for t &lt; T.
    /// <paramref name="qkv"/> points at the sequence's first token, <paramref name="heads"/> at its first output row.
    /// </summary>
    public static unsafe void Forward(float* qkv, float* probs, float* heads, int tokenCount, int width, int headWidth, int head,
        float scale, Span<float> scratch)
    {
        int T = tokenCount, d = headWidth, t3 = 3 * width, tp = PaddedLength(T);
        fixed (float* s = scratch)
        {
            var keys = s;
            var row = s + 2 * d * tp;
            TransposeHead(qkv + width + head * d, t3, T, d, tp, keys);
            for (var t = 0; t < T; t++)
            {
                var count = t + 1;
                Scores(qkv + (nint)t * t3 + head * d, keys, tp, d, count, scale, row);
                Softmax(row, count);
                var p = probs + (nint)t * T;
                for (var u = 0; u < count; u++) p[u] = row[u];
                for (var u = count; u < T; u++) p[u] = 0f;
                Mix(p, qkv + 2 * width + head * d, t3, count, d, heads + (nint)t * width + head * d);
            }
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
    /// Backward of head h of one sequence into dqkv (which must start at 0 for this head's columns):
    /// dp_tu = dO_t·v_u; ds = p ⊙ (dp − Σ_u p·dp)·scale; dq_t = Σ_u ds_tu k_u; dk_u = Σ_t ds_tu q_t; dv_u = Σ_t p_tu dO_t.
    /// </summary>
    public static unsafe void Backward(float* qkv, float* probs, float* dHeads, float* dQkv, int tokenCount, int width, int headWidth,
        int head, float scale, Span<float> scratch)
    {
        int T = tokenCount, d = headWidth, t3 = 3 * width, tp = PaddedLength(T);
        fixed (float* s = scratch)
        {
            var values = s;
            var dp = s + 2 * d * tp;
            var ds = dp + tp;
            TransposeHead(qkv + 2 * width + head * d, t3, T, d, tp, values);
            for (var t = 0; t < T; t++)
            {
                var count = t + 1;
                Scores(dHeads + (nint)t * width + head * d, values, tp, d, count, 1f, dp);
                var p = probs + (nint)t * T;
                var weighted = 0f;
                for (var u = 0; u < count; u++) weighted += p[u] * dp[u];
                var dsRow = ds + (nint)t * tp;
                for (var u = 0; u < count; u++) dsRow[u] = p[u] * (dp[u] - weighted) * scale;
                // dq_t = Σ_u ds_tu k_u over the non-zero ds (a zero term is skipped, as in the reference).
                MixSkippingZeros(dsRow, qkv + width + head * d, t3, 0, count, 1, d, dQkv + (nint)t * t3 + head * d);
            }
            for (var u = 0; u < T; u++)
            {
                // dk_u = Σ_{t ≥ u} ds_tu q_t (zeros skipped); dv_u = Σ_{t ≥ u} p_tu dO_t.
                MixSkippingZeros(ds + (nint)u * tp + u, qkv + head * d, t3, u, T, tp, d, dQkv + (nint)u * t3 + width + head * d);
                MixColumn(probs + u, dHeads + head * d, width, u, T, T, d, dQkv + (nint)u * t3 + 2 * width + head * d);
            }
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
