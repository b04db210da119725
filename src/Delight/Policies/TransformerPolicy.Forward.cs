using System.Numerics.Tensors;
using Delight.Diagnostics;
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
        int T = length - 1, S = s.Scored;

        tokens[..(rowCount * length)].CopyTo(s.Tokens);
        for (var b = 0; b < rowCount; b++)
            for (var t = 0; t < T; t++)
            {
                s.InputIds[b * T + t] = tokens[b * length + t];
                s.PositionIds[b * T + t] = t;
            }

        var clock = PhaseTimer.Start();
        RunRows(_forwardJob, _forwardTuner, rowCount, ForwardFlops(rowCount, length));
        PhaseTimer.Stop(StepPhase.ForwardTotal, clock);
        return s.ActionLogProbs.Span[..(rowCount * S)];
    }

    /// <summary>
    /// The forward of sequences [first, end): every stored activation of a row depends on that row alone (each GEMM
    /// element is summed in the same order whatever the row range), so parts over disjoint rows give the same bits
    /// as one pass over all of them.
    /// </summary>
    void ForwardRows(int first, int end)
    {
        var s = _saved;
        int T = s.Positions, C = Options.Width, S = s.Scored, V = VocabularySize, rows = end - first;
        int n0 = first * T, n = rows * T;
        var clock = PhaseTimer.Start();
        var x = s.Residual[0].Span.Slice(n0 * C, n * C);
        _tokenEmbedding.Forward(s.InputIds.AsSpan(n0, n), x, accumulate: false);
        _positionEmbedding.Forward(s.PositionIds.AsSpan(n0, n), x, accumulate: true);
        clock = PhaseTimer.Stop(StepPhase.ForwardEmbedding, clock);

        for (var i = 0; i < _blocks.Length; i++) BlockForward(i, first, end, T);

        // Only the scored positions reach the head: the answer tokens of a rollout, or everything from 1.
        clock = PhaseTimer.Start();
        var final = s.Residual[_blocks.Length].Span;
        var headInput = s.HeadInput.Span;
        var tokens = s.Tokens.AsSpan();
        for (var b = first; b < end; b++)
            for (var j = 0; j < S; j++)
            {
                final.Slice((b * T + s.FirstTarget - 1 + j) * C, C).CopyTo(headInput.Slice((b * S + j) * C, C));
                s.Targets[b * S + j] = tokens[b * s.Length + s.FirstTarget + j];
            }
        var logProbs = s.LogProbs.Span.Slice(first * S * V, rows * S * V);
        _head.Forward(headInput.Slice(first * S * C, rows * S * C), logProbs, rows * S);
        LogSoftmax.Forward(logProbs, logProbs, rows * S, V);
        var action = s.ActionLogProbs.Span;
        for (var m = first * S; m < end * S; m++) action[m] = logProbs[(m - first * S) * V + s.Targets[m]];
        PhaseTimer.Stop(StepPhase.ForwardHead, clock);
    }

    void BlockForward(int i, int first, int end, int T)
    {
        var s = _saved;
        var block = _blocks[i];
        int C = Options.Width, F = Options.FeedForwardWidth, n0 = first * T, N = (end - first) * T;
        var clock = PhaseTimer.Start();
        var residual = s.Residual[i].Span.Slice(n0 * C, N * C);
        var ln1 = s.Ln1[i].Span.Slice(n0 * C, N * C);
        block.Ln1.Forward(residual, ln1, s.Ln1Mean[i].Span.Slice(n0, N), s.Ln1Rstd[i].Span.Slice(n0, N), N);
        clock = PhaseTimer.Stop(StepPhase.ForwardLayerNorm, clock);
        var qkv = s.Qkv[i].Span.Slice(n0 * 3 * C, N * 3 * C);
        block.Attention.Qkv.Forward(ln1, qkv, N);
        clock = PhaseTimer.Stop(StepPhase.ForwardQkv, clock);
        var heads = s.Heads[i].Span.Slice(n0 * C, N * C);
        var probsPerRow = Options.HeadCount * T * T;
        block.Attention.AttendForward(qkv, s.Probs[i].Span.Slice(first * probsPerRow, (end - first) * probsPerRow), heads, end - first, T);
        clock = PhaseTimer.Stop(StepPhase.ForwardAttention, clock);
        var attended = s.Attended.Span.Slice(n0 * C, N * C);
        block.Attention.Out.Forward(heads, attended, N);
        clock = PhaseTimer.Stop(StepPhase.ForwardOutProjection, clock);
        var middle = s.Middle[i].Span.Slice(n0 * C, N * C);
        TensorPrimitives.Add(residual, attended, middle);
        clock = PhaseTimer.Stop(StepPhase.ForwardResidual, clock);
        var ln2 = s.Ln2[i].Span.Slice(n0 * C, N * C);
        block.Ln2.Forward(middle, ln2, s.Ln2Mean[i].Span.Slice(n0, N), s.Ln2Rstd[i].Span.Slice(n0, N), N);
        clock = PhaseTimer.Stop(StepPhase.ForwardLayerNorm, clock);
        var fc1 = s.Fc1[i].Span.Slice(n0 * F, N * F);
        var act = s.Act[i].Span.Slice(n0 * F, N * F);
        block.Fc1.Forward(ln2, fc1, N);
        Relu.Forward(fc1, act);
        block.Fc2.Forward(act, attended, N);
        clock = PhaseTimer.Stop(StepPhase.ForwardFeedForward, clock);
        TensorPrimitives.Add(middle, attended, s.Residual[i + 1].Span.Slice(n0 * C, N * C));
        PhaseTimer.Stop(StepPhase.ForwardResidual, clock);
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
