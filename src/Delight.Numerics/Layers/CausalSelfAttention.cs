using System.Numerics.Tensors;

namespace Delight.Numerics;

/// <summary>
/// Causal multi-head self-attention with a fused query/key/value projection.
/// Legend: B sequences, T positions, C = width, H heads, D = C/H head width.
/// qkv [B·T, 3C] holds per token the query (columns 0…C−1), key (C…2C−1) and value (2C…3C−1); within each,
/// head h owns columns h·D … (h+1)·D−1 (so the weight rows of <c>attn.qkv.weight</c> [3C, C] split the same way).
/// Attention probabilities are saved as [B, H, T, T] (zero above the diagonal) for backward.
/// </summary>
public sealed class CausalSelfAttention
{
    public CausalSelfAttention(ParameterSet parameters, string name, int width, int headCount, bool bias = false)
    {
        if (width % headCount != 0)
            throw new ArgumentException($"width {width} is not divisible by heads {headCount}; choose heads that divide the width.");
        Width = width;
        HeadCount = headCount;
        HeadWidth = width / headCount;
        Qkv = new Linear(parameters, name + ".qkv", width, 3 * width, bias);
        Out = new Linear(parameters, name + ".out", width, width, bias);
    }

    public int Width { get; }
    public int HeadCount { get; }
    public int HeadWidth { get; }
    public Linear Qkv { get; }
    public Linear Out { get; }

    float Scale => 1f / MathF.Sqrt(HeadWidth);

    public void Initialize(Rng rng)
    {
        Qkv.Initialize(rng);
        Out.Initialize(rng);
    }

    /// <summary>
    /// Mixes positions: heads[b,t] = Σ_{u≤t} softmax_u(q_t·k_u/√D) v_u for every head, from qkv [B·T, 3C].
    /// Writes probs [B, H, T, T] and heads [B·T, C].
    /// </summary>
    public void AttendForward(ReadOnlySpan<float> qkv, Span<float> probs, Span<float> heads, int sequenceCount, int tokenCount)
    {
        int c = Width, d = HeadWidth, t3 = 3 * Width, T = tokenCount;
        var scale = Scale;
        for (var b = 0; b < sequenceCount; b++)
        {
            for (var h = 0; h < HeadCount; h++)
            {
                var p = probs.Slice(((b * HeadCount) + h) * T * T, T * T);
                for (var t = 0; t < T; t++)
                {
                    var q = qkv.Slice((b * T + t) * t3 + h * d, d);
                    var row = p.Slice(t * T, T);
                    var max = float.NegativeInfinity;
                    for (var u = 0; u <= t; u++)
                    {
                        var k = qkv.Slice((b * T + u) * t3 + c + h * d, d);
                        var s = SmallVector.Dot(q, k) * scale;
                        row[u] = s;
                        if (s > max) max = s;
                    }
                    SoftmaxPrefix(row, t + 1, max);
                    row[(t + 1)..].Clear();
                    var o = heads.Slice((b * T + t) * c + h * d, d);
                    o.Clear();
                    for (var u = 0; u <= t; u++)
                    {
                        var v = qkv.Slice((b * T + u) * t3 + 2 * c + h * d, d);
                        SmallVector.Axpy(row[u], v, o);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="AttendForward"/>: from dHeads [B·T, C] to dQkv [B·T, 3C] (overwritten).
    /// dp_tu = dO_t·v_u; ds = p ⊙ (dp − Σ_u p·dp); dq_t = Σ_u ds_tu k_u/√D; dk_u += ds_tu q_t/√D; dv_u += p_tu dO_t.
    /// <paramref name="scratch"/> needs T floats.
    /// </summary>
    public void AttendBackward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dHeads,
        Span<float> dQkv, Span<float> scratch, int sequenceCount, int tokenCount)
    {
        int c = Width, d = HeadWidth, t3 = 3 * Width, T = tokenCount;
        var scale = Scale;
        dQkv[..(sequenceCount * T * t3)].Clear();
        var dp = scratch[..T];
        for (var b = 0; b < sequenceCount; b++)
        {
            for (var h = 0; h < HeadCount; h++)
            {
                var p = probs.Slice(((b * HeadCount) + h) * T * T, T * T);
                for (var t = 0; t < T; t++)
                {
                    var dO = dHeads.Slice((b * T + t) * c + h * d, d);
                    var row = p.Slice(t * T, T);
                    var weighted = 0f;
                    for (var u = 0; u <= t; u++)
                    {
                        var v = qkv.Slice((b * T + u) * t3 + 2 * c + h * d, d);
                        dp[u] = SmallVector.Dot(dO, v);
                        weighted += row[u] * dp[u];
                        var dv = dQkv.Slice((b * T + u) * t3 + 2 * c + h * d, d);
                        SmallVector.Axpy(row[u], dO, dv);
                    }
                    var q = qkv.Slice((b * T + t) * t3 + h * d, d);
                    var dq = dQkv.Slice((b * T + t) * t3 + h * d, d);
                    for (var u = 0; u <= t; u++)
                    {
                        var ds = row[u] * (dp[u] - weighted) * scale;
                        if (ds == 0f) continue;
                        var k = qkv.Slice((b * T + u) * t3 + c + h * d, d);
                        var dk = dQkv.Slice((b * T + u) * t3 + c + h * d, d);
                        SmallVector.Axpy(ds, k, dq);
                        SmallVector.Axpy(ds, q, dk);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One decode position for every sequence: the new token's qkv [B, 3C] is appended to the caches
    /// keys/values [B, capacity, C] at <paramref name="position"/>, and heads [B, C] attends over positions 0…position.
    /// <paramref name="scratch"/> needs position+1 floats.
    /// </summary>
    public void AttendDecode(ReadOnlySpan<float> qkv, Span<float> keyCache, Span<float> valueCache, Span<float> heads,
        Span<float> scratch, int sequenceCount, int position, int capacity)
    {
        int c = Width, d = HeadWidth, t3 = 3 * Width;
        var scale = Scale;
        var row = scratch[..(position + 1)];
        for (var b = 0; b < sequenceCount; b++)
        {
            var cacheBase = b * capacity * c;
            qkv.Slice(b * t3 + c, c).CopyTo(keyCache.Slice(cacheBase + position * c, c));
            qkv.Slice(b * t3 + 2 * c, c).CopyTo(valueCache.Slice(cacheBase + position * c, c));
            for (var h = 0; h < HeadCount; h++)
            {
                var q = qkv.Slice(b * t3 + h * d, d);
                var max = float.NegativeInfinity;
                for (var u = 0; u <= position; u++)
                {
                    var s = SmallVector.Dot(q, keyCache.Slice(cacheBase + u * c + h * d, d)) * scale;
                    row[u] = s;
                    if (s > max) max = s;
                }
                SoftmaxPrefix(row, position + 1, max);
                var o = heads.Slice(b * c + h * d, d);
                o.Clear();
                for (var u = 0; u <= position; u++)
                    SmallVector.Axpy(row[u], valueCache.Slice(cacheBase + u * c + h * d, d), o);
            }
        }
    }

    /// <summary>In place softmax of row[0…count) given its maximum; underflowing terms become exact zeros.</summary>
    static void SoftmaxPrefix(Span<float> row, int count, float max)
    {
        var sum = 0f;
        for (var u = 0; u < count; u++)
        {
            var shifted = row[u] - max;
            var e = shifted > -87f ? MathF.Exp(shifted) : 0f;
            row[u] = e;
            sum += e;
        }
        var inv = 1f / sum;
        for (var u = 0; u < count; u++) row[u] *= inv;
    }

    public long AttendFlops(int sequenceCount, int tokenCount)
        // Scores and weighted sum over the causal half: about T²/2 pairs, 2·D flops each, twice, per head.
        => 2L * sequenceCount * HeadCount * tokenCount * (tokenCount + 1) / 2 * 2 * HeadWidth;
}
