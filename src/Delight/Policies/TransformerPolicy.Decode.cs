using System.Numerics.Tensors;
using Delight.Diagnostics;
using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class TransformerPolicy
{
    /// <summary>KV caches and one-position activations for autoregressive sampling, sized once for MaxRows × L.</summary>
    sealed class DecodeState
    {
        public DecodeState(TransformerOptions o)
        {
            int rows = o.MaxRows, c = o.Width;
            var a = new Arena("transformer.decode");
            Keys = new TensorView[o.LayerCount];
            Values = new TensorView[o.LayerCount];
            for (var i = 0; i < o.LayerCount; i++)
            {
                // Keys transposed per head ([rows, H, D, L rounded up to 8]), the layout the decode kernel reads.
                Keys[i] = a.Add($"blocks.{i}.keys", rows, c, AttentionKernels.PaddedLength(o.SequenceLength));
                Values[i] = a.Add($"blocks.{i}.values", rows, o.SequenceLength, c);
            }
            X = a.Add("x", rows, c);
            Normed = a.Add("normed", rows, c);
            Qkv = a.Add("qkv", rows, 3 * c);
            Heads = a.Add("heads", rows, c);
            Projected = a.Add("projected", rows, c);
            Hidden = a.Add("hidden", rows, o.FeedForwardWidth);
            Mean = a.Add("mean", rows);
            Rstd = a.Add("rstd", rows);
            Logits = a.Add("logits", rows, o.VocabularySize);
            a.Allocate();
            Ids = new int[rows];
            Positions = new int[rows];
        }

        public TensorView[] Keys { get; }
        public TensorView[] Values { get; }
        public TensorView X { get; }
        public TensorView Normed { get; }
        public TensorView Qkv { get; }
        public TensorView Heads { get; }
        public TensorView Projected { get; }
        public TensorView Hidden { get; }
        public TensorView Mean { get; }
        public TensorView Rstd { get; }
        public TensorView Logits { get; }
        public int[] Ids { get; }
        public int[] Positions { get; }
        /// <summary>The position the current <see cref="DecodeStep"/> runs.</summary>
        public int Position { get; set; }
    }

    /// <summary>
    /// A fixed vector [V] added to the logits when sampling (not in <see cref="Forward"/>): the actor/learner mismatch
    /// friction. The recorded log-probs are those of the biased distribution, the one the tokens were drawn from.
    /// </summary>
    public float[]? SamplingLogitBias { get; set; }

    /// <summary>
    /// Samples continuations at temperature 1 with a KV cache: one decode step per position, each costing one
    /// token's work. tokens[b, 0…P) must hold the prompt; positions P…length−1 are filled with samples, and
    /// logProbs[b, t] gets log π(token t | tokens &lt; t) for sampled positions, 0 for prompt positions (the sampler
    /// convention). Rows draw from <paramref name="rng"/> in order, position by position, so a seed fixes the result.
    /// A null rng decodes greedily (argmax, lowest token on ties, no sampling bias): the held-out evaluation.
    /// </summary>
    /// <param name="tokens">[rows, length]</param>
    /// <param name="logProbs">[rows, length]</param>
    public void Sample(Span<int> tokens, Span<float> logProbs, int rowCount, int promptLength, int length, Rng? rng)
    {
        if (rowCount < 1 || rowCount > Options.MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {rowCount} must be in [1, {Options.MaxRows}].");
        if (length < 2 || length > SequenceLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"length {length} must be in [2, {SequenceLength}].");
        if (promptLength < 1 || promptLength >= length)
            throw new ArgumentOutOfRangeException(nameof(promptLength), $"prompt length {promptLength} must be in [1, {length - 1}].");
        for (var b = 0; b < rowCount; b++)
            for (var t = 0; t < promptLength; t++)
                if ((uint)tokens[b * length + t] >= (uint)VocabularySize)
                    throw new ArgumentOutOfRangeException(nameof(tokens), $"prompt token {tokens[b * length + t]} (row {b}, position {t}) is outside the vocabulary [0, {VocabularySize}).");

        int V = VocabularySize;
        var ids = _decode.Ids.AsSpan(0, rowCount);
        for (var b = 0; b < rowCount; b++) logProbs.Slice(b * length, promptLength).Clear();
        // Feeding position t yields the distribution of position t + 1.
        for (var t = 0; t < length - 1; t++)
        {
            for (var b = 0; b < rowCount; b++) ids[b] = tokens[b * length + t];
            var logits = DecodeStep(ids, t, rowCount);
            if (t + 1 < promptLength) continue;
            var clock = PhaseTimer.Start();
            if (rng is not null && SamplingLogitBias is { } bias)
                for (var b = 0; b < rowCount; b++) TensorPrimitives.Add(logits.Slice(b * V, V), bias, logits.Slice(b * V, V));
            LogSoftmax.Forward(logits, logits, rowCount, V);
            for (var b = 0; b < rowCount; b++)
            {
                var row = logits.Slice(b * V, V);
                var token = rng is null ? TensorPrimitives.IndexOfMax(row) : Categorical.Sample(row, rng.NextDouble());
                tokens[b * length + t + 1] = token;
                logProbs[b * length + t + 1] = row[token];
            }
            PhaseTimer.Stop(StepPhase.SampleSoftmax, clock);
        }
    }

    /// <summary>
    /// Runs one position for every row through the network, appending keys and values to the caches, and returns the
    /// logits [rows, V] for the next position (a view valid until the next call).
    /// </summary>
    public Span<float> DecodeStep(ReadOnlySpan<int> ids, int position, int rowCount)
    {
        var d = _decode;
        ids[..rowCount].CopyTo(d.Ids);
        d.Position = position;
        var clock = PhaseTimer.Start();
        // One part per thread: a decode part is a few rows through every layer, and each part packs every weight for
        // its small GEMMs again, so more parts mostly add packing. Measured alternating, 4 rounds (2 threads, idle):
        // sampling 205–242 → 251–301 calls/s with 4 parts per thread → 1, Kondo-10 % steps 180–190 → 219–226, DG
        // steps +7–9 %, the learner unchanged. (Tried last sitting without gain, while the split tuner still measured
        // every split with the worker asleep.)
        RunRows(_decodeJob, _decodeTuner, rowCount, DecodeFlops(rowCount, position), partsPerThread: 1);
        PhaseTimer.Stop(StepPhase.DecodeStep, clock);
        return d.Logits.Span[..(rowCount * VocabularySize)];
    }

    /// <summary>One decode position for rows [first, end); rows are independent, so any split gives the same bits.</summary>
    void DecodeRows(int first, int end)
    {
        var d = _decode;
        int C = Options.Width, F = Options.FeedForwardWidth, rows = end - first, position = d.Position, L = SequenceLength;
        var x = d.X.Span.Slice(first * C, rows * C);
        var positions = d.Positions.AsSpan(first, rows);
        positions.Fill(position);
        _tokenEmbedding.Forward(d.Ids.AsSpan(first, rows), x, accumulate: false);
        _positionEmbedding.Forward(positions, x, accumulate: true);
        var normed = d.Normed.Span.Slice(first * C, rows * C);
        var projected = d.Projected.Span.Slice(first * C, rows * C);
        var hidden = d.Hidden.Span.Slice(first * F, rows * F);
        var qkv = d.Qkv.Span.Slice(first * 3 * C, rows * 3 * C);
        var heads = d.Heads.Span.Slice(first * C, rows * C);
        var mean = d.Mean.Span.Slice(first, rows);
        var rstd = d.Rstd.Span.Slice(first, rows);
        for (var i = 0; i < _blocks.Length; i++)
        {
            var block = _blocks[i];
            block.Ln1.Forward(x, normed, mean, rstd, rows);
            block.Attention.Qkv.Forward(normed, qkv, rows);
            var keysPerRow = C * AttentionKernels.PaddedLength(L);
            block.Attention.AttendDecode(qkv, d.Keys[i].Span.Slice(first * keysPerRow, rows * keysPerRow), d.Values[i].Span.Slice(first * L * C, rows * L * C),
                heads, rows, position, L);
            block.Attention.Out.Forward(heads, projected, rows);
            TensorPrimitives.Add(x, projected, x);
            block.Ln2.Forward(x, normed, mean, rstd, rows);
            block.Fc1.Forward(normed, hidden, rows);
            Relu.Forward(hidden, hidden);
            block.Fc2.Forward(hidden, projected, rows);
            TensorPrimitives.Add(x, projected, x);
        }
        _head.Forward(x, d.Logits.Span.Slice(first * VocabularySize, rows * VocabularySize), rows);
    }

    /// <summary>Approximate FLOPs of one decode position for <paramref name="rowCount"/> rows (as <see cref="ForwardFlops"/>).</summary>
    long DecodeFlops(int rowCount, int position)
    {
        var o = Options;
        long perRow = 2L * o.LayerCount * (4L * o.Width * o.Width + 2L * o.Width * o.FeedForwardWidth) + 2L * o.Width * o.VocabularySize;
        long attention = 4L * o.LayerCount * o.Width * (position + 1);
        return rowCount * (perRow + attention);
    }
}
