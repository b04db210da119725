using System.Numerics.Tensors;
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
                Keys[i] = a.Add($"blocks.{i}.keys", rows, o.SequenceLength, c);
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
            Scores = a.Add("scores", o.SequenceLength);
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
        public TensorView Scores { get; }
        public int[] Ids { get; }
        public int[] Positions { get; }
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
        }
    }

    /// <summary>
    /// Runs one position for every row through the network, appending keys and values to the caches, and returns the
    /// logits [rows, V] for the next position (a view valid until the next call).
    /// </summary>
    public Span<float> DecodeStep(ReadOnlySpan<int> ids, int position, int rowCount)
    {
        var d = _decode;
        int C = Options.Width, F = Options.FeedForwardWidth;
        var x = d.X.Span[..(rowCount * C)];
        var positions = d.Positions.AsSpan(0, rowCount);
        positions.Fill(position);
        _tokenEmbedding.Forward(ids[..rowCount], x, accumulate: false);
        _positionEmbedding.Forward(positions, x, accumulate: true);
        var normed = d.Normed.Span[..(rowCount * C)];
        var projected = d.Projected.Span[..(rowCount * C)];
        var hidden = d.Hidden.Span[..(rowCount * F)];
        for (var i = 0; i < _blocks.Length; i++)
        {
            var block = _blocks[i];
            block.Ln1.Forward(x, normed, d.Mean.Span, d.Rstd.Span, rowCount);
            block.Attention.Qkv.Forward(normed, d.Qkv.Span, rowCount);
            block.Attention.AttendDecode(d.Qkv.Span, d.Keys[i].Span, d.Values[i].Span, d.Heads.Span, d.Scores.Span,
                rowCount, position, SequenceLength);
            block.Attention.Out.Forward(d.Heads.Span, projected, rowCount);
            TensorPrimitives.Add(x, projected, x);
            block.Ln2.Forward(x, normed, d.Mean.Span, d.Rstd.Span, rowCount);
            block.Fc1.Forward(normed, hidden, rowCount);
            Relu.Forward(hidden, hidden);
            block.Fc2.Forward(hidden, projected, rowCount);
            TensorPrimitives.Add(x, projected, x);
        }
        var logits = d.Logits.Span[..(rowCount * VocabularySize)];
        _head.Forward(x, logits, rowCount);
        return logits;
    }
}
