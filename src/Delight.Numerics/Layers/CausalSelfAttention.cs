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
        _job = new AttendJob(this);
    }

    readonly AttendJob _job;

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
    public unsafe void AttendForward(ReadOnlySpan<float> qkv, Span<float> probs, Span<float> heads, int sequenceCount, int tokenCount)
    {
        var parts = PartCount(sequenceCount, tokenCount);
        if (parts == 1)
        {
            AttendForwardRange(qkv, probs, heads, 0, sequenceCount, tokenCount);
            return;
        }
        fixed (float* pQkv = qkv, pProbs = probs, pHeads = heads)
        {
            _job.Set(AttendJob.Stage.Forward, pQkv, pProbs, pHeads, null, null, qkv.Length, probs.Length, heads.Length, 0, sequenceCount, tokenCount, parts);
            WorkerPool.Shared.Run(parts, _job);
        }
    }

    void AttendForwardRange(ReadOnlySpan<float> qkv, Span<float> probs, Span<float> heads, int firstSequence, int endSequence, int tokenCount)
    {
        int c = Width, d = HeadWidth, t3 = 3 * Width, T = tokenCount;
        var scale = Scale;
        for (var b = firstSequence; b < endSequence; b++)
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
    public unsafe void AttendBackward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dHeads,
        Span<float> dQkv, Span<float> scratch, int sequenceCount, int tokenCount)
    {
        dQkv[..(sequenceCount * tokenCount * 3 * Width)].Clear();
        var parts = PartCount(sequenceCount, tokenCount);
        if (parts == 1)
        {
            AttendBackwardRange(qkv, probs, dHeads, dQkv, scratch[..tokenCount], 0, sequenceCount, tokenCount);
            return;
        }
        fixed (float* pQkv = qkv, pProbs = probs, pDHeads = dHeads, pDQkv = dQkv)
        {
            _job.Set(AttendJob.Stage.Backward, pQkv, pProbs, null, pDHeads, pDQkv, qkv.Length, probs.Length, dHeads.Length, dQkv.Length,
                sequenceCount, tokenCount, parts);
            WorkerPool.Shared.Run(parts, _job);
        }
    }

    /// <summary>Backward for sequences [first, end); dQkv must be cleared beforehand. dp needs T floats.</summary>
    void AttendBackwardRange(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dHeads,
        Span<float> dQkv, Span<float> dp, int firstSequence, int endSequence, int tokenCount)
    {
        int c = Width, d = HeadWidth, t3 = 3 * Width, T = tokenCount;
        var scale = Scale;
        for (var b = firstSequence; b < endSequence; b++)
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

    /// <summary>
    /// Sequences are independent, so each part owns whole sequences: results do not depend on the thread count.
    /// Small batches stay on the calling thread, where dispatch would cost more than it saves.
    /// </summary>
    static int PartCount(int sequenceCount, int tokenCount)
    {
        var threads = WorkerPool.Shared.ThreadCount;
        if (threads == 1 || WorkerPool.InParallelPart || (long)sequenceCount * tokenCount * tokenCount < 4096) return 1;
        return Math.Min(sequenceCount, 4 * threads);
    }

    /// <summary>A reusable job over pinned buffers: the parallel body of forward and backward, no allocation per call.</summary>
    sealed unsafe class AttendJob(CausalSelfAttention owner) : IParallelJob
    {
        public enum Stage { Forward, Backward }

        Stage _stage;
        float* _qkv, _probs, _heads, _dHeads, _dQkv;
        int _qkvLength, _probsLength, _headsLength, _dQkvLength, _sequences, _tokens, _parts;

        public void Set(Stage stage, float* qkv, float* probs, float* heads, float* dHeads, float* dQkv,
            int qkvLength, int probsLength, int headsLength, int dQkvLength, int sequences, int tokens, int parts)
        {
            _stage = stage;
            _qkv = qkv;
            _probs = probs;
            _heads = heads;
            _dHeads = dHeads;
            _dQkv = dQkv;
            (_qkvLength, _probsLength, _headsLength, _dQkvLength, _sequences, _tokens, _parts) =
                (qkvLength, probsLength, headsLength, dQkvLength, sequences, tokens, parts);
        }

        public void Execute(int part)
        {
            var first = (int)((long)_sequences * part / _parts);
            var end = (int)((long)_sequences * (part + 1) / _parts);
            var qkv = new ReadOnlySpan<float>(_qkv, _qkvLength);
            var probs = new Span<float>(_probs, _probsLength);
            if (_stage == Stage.Forward)
            {
                owner.AttendForwardRange(qkv, probs, new Span<float>(_heads, _headsLength), first, end, _tokens);
                return;
            }
            Span<float> dp = _tokens <= 1024 ? stackalloc float[_tokens] : new float[_tokens];
            owner.AttendBackwardRange(qkv, probs, new ReadOnlySpan<float>(_dHeads, _headsLength), new Span<float>(_dQkv, _dQkvLength),
                dp, first, end, _tokens);
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
