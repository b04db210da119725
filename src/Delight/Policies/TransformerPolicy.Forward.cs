using System.Numerics.Tensors;
using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class TransformerPolicy
{
    public int ActionsPerRow => _saved.Scored;
    public ReadOnlySpan<float> ActionLogProbs => _saved.ActionLogProbs.Span[..(_saved.RowCount * _saved.Scored)];
    /// <summary>Full log-softmax at every scored position of the last forward, [rows, ActionsPerRow, V].</summary>
    public ReadOnlySpan<float> PositionLogProbs => _saved.LogProbs.Span[..(_saved.RowCount * _saved.Scored * VocabularySize)];
    /// <summary>Rows in the last forward.</summary>
    public int RowCount => _saved.RowCount;

    /// <summary>
    /// Teacher-forced forward over token sequences, storing every activation backward needs.
    /// Entry [b, s] of the result is log π(tokens[b, firstTarget + s] | tokens[b, &lt; firstTarget + s]).
    /// </summary>
    /// <param name="tokens">[rows, length], each in [0, V)</param>
    /// <param name="firstTarget">first scored position (the prompt length P to score only the answer; 1 for all)</param>
    /// <returns>[rows, length − firstTarget] log-probs (a view valid until the next forward)</returns>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int rowCount, int length, int firstTarget)
    {
        CheckForward(tokens, rowCount, length, firstTarget);
        var s = _saved;
        s.RowCount = rowCount;
        s.Length = length;
        s.FirstTarget = firstTarget;
        int T = length - 1, N = rowCount * T, C = Options.Width, S = s.Scored, V = VocabularySize;

        tokens[..(rowCount * length)].CopyTo(s.Tokens);
        for (var b = 0; b < rowCount; b++)
            for (var t = 0; t < T; t++)
            {
                s.InputIds[b * T + t] = tokens[b * length + t];
                s.PositionIds[b * T + t] = t;
            }

        var x = s.Residual[0].Span;
        _tokenEmbedding.Forward(s.InputIds.AsSpan(0, N), x, accumulate: false);
        _positionEmbedding.Forward(s.PositionIds.AsSpan(0, N), x, accumulate: true);

        for (var i = 0; i < _blocks.Length; i++) BlockForward(i, rowCount, T);

        // Only the scored positions reach the head: the answer tokens of a rollout, or everything from 1.
        var final = s.Residual[_blocks.Length].Span;
        var headInput = s.HeadInput.Span;
        for (var b = 0; b < rowCount; b++)
            for (var j = 0; j < S; j++)
            {
                final.Slice((b * T + firstTarget - 1 + j) * C, C).CopyTo(headInput.Slice((b * S + j) * C, C));
                s.Targets[b * S + j] = tokens[b * length + firstTarget + j];
            }
        var logProbs = s.LogProbs.Span;
        _head.Forward(headInput, logProbs, rowCount * S);
        LogSoftmax.Forward(logProbs, logProbs, rowCount * S, V);
        var action = s.ActionLogProbs.Span;
        for (var n = 0; n < rowCount * S; n++) action[n] = logProbs[n * V + s.Targets[n]];
        return action[..(rowCount * S)];
    }

    void BlockForward(int i, int rowCount, int T)
    {
        var s = _saved;
        var block = _blocks[i];
        int N = rowCount * T;
        var residual = s.Residual[i].Span;
        block.Ln1.Forward(residual, s.Ln1[i].Span, s.Ln1Mean[i].Span, s.Ln1Rstd[i].Span, N);
        block.Attention.Qkv.Forward(s.Ln1[i].Span, s.Qkv[i].Span, N);
        block.Attention.AttendForward(s.Qkv[i].Span, s.Probs[i].Span, s.Heads[i].Span, rowCount, T);
        var attended = s.Attended.Span[..(N * Options.Width)];
        block.Attention.Out.Forward(s.Heads[i].Span, attended, N);
        var middle = s.Middle[i].Span[..attended.Length];
        TensorPrimitives.Add(residual[..attended.Length], attended, middle);
        block.Ln2.Forward(middle, s.Ln2[i].Span, s.Ln2Mean[i].Span, s.Ln2Rstd[i].Span, N);
        var fc1 = s.Fc1[i].Span[..(N * Options.FeedForwardWidth)];
        block.Fc1.Forward(s.Ln2[i].Span, fc1, N);
        Relu.Forward(fc1, s.Act[i].Span[..fc1.Length]);
        block.Fc2.Forward(s.Act[i].Span, attended, N);
        TensorPrimitives.Add(middle, attended, s.Residual[i + 1].Span[..attended.Length]);
    }

    /// <summary>
    /// Approximate FLOPs of a teacher-forced forward over rows × (length − 1) positions: 2 per weight of every matrix
    /// product per position, plus the causal attention scores and mixing (about T/2 keys per query).
    /// </summary>
    public long ForwardFlops(int rowCount, int length)
    {
        long positions = (long)rowCount * (length - 1);
        var o = Options;
        long perPosition = 2L * o.LayerCount * (4L * o.Width * o.Width + 2L * o.Width * o.FeedForwardWidth);
        long attention = 2L * 2 * o.LayerCount * o.Width * (length - 1) / 2;
        return positions * (perPosition + attention) + 2L * rowCount * ActionsPerRowFor(length) * o.Width * o.VocabularySize;
    }

    int ActionsPerRowFor(int length) => _saved.Scored > 0 ? _saved.Scored : length - 1;

    public void Entropies(Span<float> destination)
    {
        int n = _saved.RowCount * _saved.Scored, V = VocabularySize;
        ReadOnlySpan<float> lp = _saved.LogProbs.Span;
        for (var i = 0; i < n; i++) destination[i] = LogSoftmax.Entropy(lp.Slice(i * V, V));
    }

    void CheckForward(ReadOnlySpan<int> tokens, int rowCount, int length, int firstTarget)
    {
        if (rowCount < 1 || rowCount > Options.MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {rowCount} must be in [1, {Options.MaxRows}] (the policy's MaxRows).");
        if (length < 2 || length > SequenceLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"sequence length {length} must be in [2, {SequenceLength}] (the policy's length).");
        if (firstTarget < 1 || firstTarget >= length)
            throw new ArgumentOutOfRangeException(nameof(firstTarget), $"first scored position {firstTarget} must be in [1, {length - 1}].");
        if (tokens.Length < rowCount * length)
            throw new ArgumentException($"tokens holds {tokens.Length} ids, fewer than rows·length = {rowCount * length}.", nameof(tokens));
        for (var i = 0; i < rowCount * length; i++)
            if ((uint)tokens[i] >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {tokens[i]} at row {i / length}, position {i % length} is outside the vocabulary [0, {VocabularySize}).");
    }
}
