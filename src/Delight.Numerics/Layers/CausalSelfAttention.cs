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
    /// <summary>Whether splitting sequences over threads pays at this size, measured (variant 0 forward, 1 backward).</summary>
    readonly SplitTuner _tuner = new(variants: 2);

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
        var flops = AttendFlops(sequenceCount, tokenCount);
        var slot = _tuner.Slot(flops, 0);
        if (parts == 1 || !_tuner.ShouldSplit(slot))
        {
            var serialStart = SplitTuner.Now();
            AttendForwardRange(qkv, probs, heads, 0, sequenceCount, tokenCount);
            if (parts > 1) _tuner.Record(slot, false, SplitTuner.Now() - serialStart, flops);
            return;
        }
        var start = SplitTuner.Now();
        fixed (float* pQkv = qkv, pProbs = probs, pHeads = heads)
        {
            _job.Set(AttendJob.Stage.Forward, pQkv, pProbs, pHeads, null, null, qkv.Length, probs.Length, heads.Length, 0, sequenceCount, tokenCount, parts);
            WorkerPool.Shared.Run(parts, _job);
        }
        _tuner.Record(slot, true, SplitTuner.Now() - start, flops);
    }

    unsafe void AttendForwardRange(ReadOnlySpan<float> qkv, Span<float> probs, Span<float> heads, int firstSequence, int endSequence, int tokenCount)
    {
        int c = Width, T = tokenCount;
        var scratch = AttentionKernels.ThreadScratch(AttentionKernels.ScratchLength(T, HeadWidth));
        fixed (float* pQkv = qkv, pProbs = probs, pHeads = heads)
            for (var b = firstSequence; b < endSequence; b++)
                for (var h = 0; h < HeadCount; h++)
                    AttentionKernels.Forward(pQkv + (nint)b * T * 3 * c, pProbs + ((nint)b * HeadCount + h) * T * T, pHeads + (nint)b * T * c,
                        T, c, HeadWidth, h, Scale, scratch);
    }

    /// <summary>
    /// Backward of <see cref="AttendForward"/>: from dHeads [B·T, C] to dQkv [B·T, 3C] (overwritten).
    /// dp_tu = dO_t·v_u; ds = p ⊙ (dp − Σ_u p·dp); dq_t = Σ_u ds_tu k_u/√D; dk_u += ds_tu q_t/√D; dv_u += p_tu dO_t.
    /// </summary>
    public unsafe void AttendBackward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dHeads,
        Span<float> dQkv, int sequenceCount, int tokenCount)
    {
        var parts = PartCount(sequenceCount, tokenCount);
        var flops = 2 * AttendFlops(sequenceCount, tokenCount);
        var slot = _tuner.Slot(flops, 1);
        if (parts == 1 || !_tuner.ShouldSplit(slot))
        {
            var serialStart = SplitTuner.Now();
            AttendBackwardRange(qkv, probs, dHeads, dQkv, 0, sequenceCount, tokenCount);
            if (parts > 1) _tuner.Record(slot, false, SplitTuner.Now() - serialStart, flops);
            return;
        }
        var start = SplitTuner.Now();
        fixed (float* pQkv = qkv, pProbs = probs, pDHeads = dHeads, pDQkv = dQkv)
        {
            _job.Set(AttendJob.Stage.Backward, pQkv, pProbs, null, pDHeads, pDQkv, qkv.Length, probs.Length, dHeads.Length, dQkv.Length,
                sequenceCount, tokenCount, parts);
            WorkerPool.Shared.Run(parts, _job);
        }
        _tuner.Record(slot, true, SplitTuner.Now() - start, flops);
    }

    /// <summary>Backward for sequences [first, end): writes every dQkv element of their tokens.</summary>
    unsafe void AttendBackwardRange(ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs, ReadOnlySpan<float> dHeads,
        Span<float> dQkv, int firstSequence, int endSequence, int tokenCount)
    {
        int c = Width, T = tokenCount;
        var scratch = AttentionKernels.ThreadScratch(AttentionKernels.ScratchLength(T, HeadWidth));
        fixed (float* pQkv = qkv, pProbs = probs, pDHeads = dHeads, pDQkv = dQkv)
            for (var b = firstSequence; b < endSequence; b++)
                for (var h = 0; h < HeadCount; h++)
                    AttentionKernels.Backward(pQkv + (nint)b * T * 3 * c, pProbs + ((nint)b * HeadCount + h) * T * T,
                        pDHeads + (nint)b * T * c, pDQkv + (nint)b * T * 3 * c, T, c, HeadWidth, h, Scale, scratch);
    }

    /// <summary>
    /// Floats of the key cache <see cref="AttendDecode"/> keeps for <paramref name="sequenceCount"/> sequences of up to
    /// <paramref name="capacity"/> positions: per sequence and head a [D, Tp] panel, Tp = capacity rounded up to 8.
    /// </summary>
    public int KeyCacheLength(int sequenceCount, int capacity) => sequenceCount * Width * AttentionKernels.PaddedLength(capacity);

    /// <summary>
    /// One decode position for every sequence: the new token's qkv [B, 3C] is appended to the caches at
    /// <paramref name="position"/>, and heads [B, C] attends over positions 0…position. Values are cached as
    /// [B, capacity, C]; keys already transposed, [B, H, D, Tp] (<see cref="KeyCacheLength"/>), the layout the score
    /// kernel reads, so no position re-transposes the keys before it (the bits are those of the teacher-forced forward,
    /// which transposes each head's keys once).
    /// </summary>
    public unsafe void AttendDecode(ReadOnlySpan<float> qkv, Span<float> keyCache, Span<float> valueCache, Span<float> heads,
        int sequenceCount, int position, int capacity)
    {
        int c = Width, t3 = 3 * Width, tp = AttentionKernels.PaddedLength(capacity);
        if ((uint)position >= (uint)capacity)
            throw new ArgumentOutOfRangeException(nameof(position), $"position {position} must be in [0, {capacity}) (the caches' capacity).");
        if (keyCache.Length < KeyCacheLength(sequenceCount, capacity))
            throw new ArgumentException($"keyCache holds {keyCache.Length} floats, needs KeyCacheLength = {KeyCacheLength(sequenceCount, capacity)}.", nameof(keyCache));
        if (valueCache.Length < sequenceCount * capacity * c)
            throw new ArgumentException($"valueCache holds {valueCache.Length} floats, needs sequences·capacity·C = {sequenceCount * capacity * c}.", nameof(valueCache));
        if (qkv.Length < sequenceCount * t3 || heads.Length < sequenceCount * c)
            throw new ArgumentException($"qkv needs {sequenceCount * t3} floats and heads {sequenceCount * c} for {sequenceCount} sequences.");
        var kernelScratch = AttentionKernels.ThreadScratch(AttentionKernels.ScratchLength(position + 1, HeadWidth));
        fixed (float* pQkv = qkv, pKeys = keyCache, pValues = valueCache, pHeads = heads)
            for (var b = 0; b < sequenceCount; b++)
            {
                float* token = pQkv + (nint)b * t3, keyPanels = pKeys + (nint)b * c * tp, values = pValues + (nint)b * capacity * c;
                // Channel j = h·D + p of the key goes to row j of the sequence's panels, column position.
                for (var j = 0; j < c; j++) keyPanels[(nint)j * tp + position] = token[c + j];
                Buffer.MemoryCopy(token + 2 * c, values + (nint)position * c, (long)c * sizeof(float), (long)c * sizeof(float));
                AttentionKernels.DecodeHeads(token, keyPanels, tp, values, pHeads + (nint)b * c, position, c, HeadWidth, HeadCount, Scale, kernelScratch);
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
            owner.AttendBackwardRange(qkv, probs, new ReadOnlySpan<float>(_dHeads, _headsLength), new Span<float>(_dQkv, _dQkvLength),
                first, end, _tokens);
        }
    }

    public long AttendFlops(int sequenceCount, int tokenCount)
        // Scores and weighted sum over the causal half: about T²/2 pairs, 2·D flops each, twice, per head.
        => 2L * sequenceCount * HeadCount * tokenCount * (tokenCount + 1) / 2 * 2 * HeadWidth;
}
