using Delight.Diagnostics;
using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class TransformerPolicy
{
    /// <summary>
    /// Backward for a subset of the last forward's rows, mirroring the forward in reverse. The stored activations of
    /// the kept rows are gathered into compact buffers (no copy when every row is kept), so the cost scales with the
    /// number of kept rows and no second forward is run. Gradients accumulate into <see cref="Parameters"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<int> rows, ReadOnlySpan<float> dLogProbs)
    {
        var s = _saved;
        var identity = CheckRows(rows, s.RowCount);
        int K = rows.Length, T = s.Positions, S = s.Scored, C = Options.Width, F = Options.FeedForwardWidth, V = VocabularySize;
        int NK = K * T, SK = K * S;
        if (K == 0) return;
        if (dLogProbs.Length < SK)
            throw new ArgumentException($"dLogProbs holds {dLogProbs.Length} values, needs rows·scored = {SK}.", nameof(dLogProbs));
        var x = _scratch;
        var total = PhaseTimer.Start();
        var clock = total;

        // Head: d log π(target) → dLogits → dW_head, and into the residual stream at the scored positions.
        var logProbs = Gather(s.LogProbs, S * V, rows, identity, x.GatherA);
        var targets = GatherIds(s.Targets, S, rows, identity, x.Targets);
        var dLogits = x.DLogits.Span[..(SK * V)];
        LogSoftmax.BackwardGathered(logProbs, targets, dLogProbs, dLogits, SK, V);
        var headInput = Gather(s.HeadInput, S * C, rows, identity, x.GatherB);
        var dHeadInput = x.DNormed.Span[..(SK * C)];
        _head.WeightGradient(headInput, dLogits, SK);
        _head.InputGradient(dLogits, dHeadInput, SK, accumulate: false);
        var dResidual = x.DResidual.Span[..(NK * C)];
        dResidual.Clear();
        for (var k = 0; k < K; k++)
            for (var j = 0; j < S; j++)
            {
                var dst = dResidual.Slice((k * T + s.FirstTarget - 1 + j) * C, C);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, dHeadInput.Slice((k * S + j) * C, C), dst);
            }

        clock = PhaseTimer.Stop(StepPhase.BackwardHead, clock);
        BlocksBackward(rows, identity, T);

        clock = PhaseTimer.Start();
        var ids = GatherIds(s.InputIds, T, rows, identity, x.Ids);
        _tokenEmbedding.Backward(ids, dResidual);
        // Position ids are 0…T−1 in every row, so the first K rows' ids serve any subset.
        _positionEmbedding.Backward(s.PositionIds.AsSpan(0, NK), dResidual);
        PhaseTimer.Stop(StepPhase.BackwardEmbedding, clock);
        PhaseTimer.Stop(StepPhase.BackwardTotal, total);
    }

    void BlockBackward(int i, ReadOnlySpan<int> rows, bool identity, int T)
    {
        var s = _saved;
        var x = _scratch;
        var block = _blocks[i];
        int K = rows.Length, NK = K * T, C = Options.Width, F = Options.FeedForwardWidth;
        var dResidual = x.DResidual.Span[..(NK * C)];
        var dNormed = x.DNormed.Span[..(NK * C)];
        var lnScratch = x.LayerNormScratch.Span;

        // x_out = middle + FC2(ReLU(FC1(LN2(middle))))
        var clock = PhaseTimer.Start();
        var dHidden = x.DWide.Span[..(NK * F)];
        block.Fc2.WeightGradient(Gather(s.Act[i], T * F, rows, identity, x.GatherA), dResidual, NK);
        block.Fc2.InputGradient(dResidual, dHidden, NK, accumulate: false);
        Relu.Backward(Gather(s.Fc1[i], T * F, rows, identity, x.GatherA), dHidden, dHidden);
        block.Fc1.WeightGradient(Gather(s.Ln2[i], T * C, rows, identity, x.GatherA), dHidden, NK);
        block.Fc1.InputGradient(dHidden, dNormed, NK, accumulate: false);
        clock = PhaseTimer.Stop(StepPhase.BackwardFeedForward, clock);
        block.Ln2.Backward(Gather(s.Middle[i], T * C, rows, identity, x.GatherA),
            Gather(s.Ln2Mean[i], T, rows, identity, x.GatherMean), Gather(s.Ln2Rstd[i], T, rows, identity, x.GatherRstd),
            dNormed, dResidual, lnScratch, NK);
        // Linear.Backward flushes its outputs; the residual stream is flushed after each layer norm adds into it.
        Denormals.FlushToZero(dResidual);
        clock = PhaseTimer.Stop(StepPhase.BackwardLayerNorm, clock);

        // middle = x_in + Out(Attend(Qkv(LN1(x_in))))
        var dHeads = x.DHeads.Span[..(NK * C)];
        block.Attention.Out.WeightGradient(Gather(s.Heads[i], T * C, rows, identity, x.GatherA), dResidual, NK);
        block.Attention.Out.InputGradient(dResidual, dHeads, NK, accumulate: false);
        clock = PhaseTimer.Stop(StepPhase.BackwardOutProjection, clock);
        var dQkv = x.DWide.Span[..(NK * 3 * C)];
        var probsPerRow = Options.HeadCount * T * T;
        block.Attention.AttendBackward(Gather(s.Qkv[i], T * 3 * C, rows, identity, x.GatherA),
            Gather(s.Probs[i], probsPerRow, rows, identity, x.GatherProbs), dHeads, dQkv, K, T);
        Denormals.FlushToZero(dQkv);
        clock = PhaseTimer.Stop(StepPhase.BackwardAttention, clock);
        block.Attention.Qkv.WeightGradient(Gather(s.Ln1[i], T * C, rows, identity, x.GatherB), dQkv, NK);
        block.Attention.Qkv.InputGradient(dQkv, dNormed, NK, accumulate: false);
        clock = PhaseTimer.Stop(StepPhase.BackwardQkv, clock);
        block.Ln1.Backward(Gather(s.Residual[i], T * C, rows, identity, x.GatherA),
            Gather(s.Ln1Mean[i], T, rows, identity, x.GatherMean), Gather(s.Ln1Rstd[i], T, rows, identity, x.GatherRstd),
            dNormed, dResidual, lnScratch, NK);
        Denormals.FlushToZero(dResidual);
        PhaseTimer.Stop(StepPhase.BackwardLayerNorm, clock);
    }

    /// <summary>The saved rows <paramref name="rows"/> of a tensor laid out [rows, floatsPerRow], compacted.</summary>
    static ReadOnlySpan<float> Gather(TensorView saved, int floatsPerRow, ReadOnlySpan<int> rows, bool identity, TensorView scratch)
        => GatherRows(saved.Span, floatsPerRow, rows, identity, scratch.Span);

    /// <summary>
    /// Rows <paramref name="rows"/> of <paramref name="src"/> ([rows, floatsPerRow]) compacted into <paramref name="dst"/>;
    /// when every row of the batch is kept (<paramref name="identity"/>) the rows are consecutive, read in place.
    /// </summary>
    static ReadOnlySpan<float> GatherRows(ReadOnlySpan<float> src, int floatsPerRow, ReadOnlySpan<int> rows, bool identity, Span<float> dst)
    {
        if (identity) return src.Slice(rows.IsEmpty ? 0 : rows[0] * floatsPerRow, rows.Length * floatsPerRow);
        for (var k = 0; k < rows.Length; k++)
            src.Slice(rows[k] * floatsPerRow, floatsPerRow).CopyTo(dst.Slice(k * floatsPerRow, floatsPerRow));
        return dst[..(rows.Length * floatsPerRow)];
    }

    static ReadOnlySpan<int> GatherIds(int[] saved, int idsPerRow, ReadOnlySpan<int> rows, bool identity, int[] scratch)
    {
        if (identity) return saved.AsSpan(0, rows.Length * idsPerRow);
        for (var k = 0; k < rows.Length; k++)
            saved.AsSpan(rows[k] * idsPerRow, idsPerRow).CopyTo(scratch.AsSpan(k * idsPerRow, idsPerRow));
        return scratch.AsSpan(0, rows.Length * idsPerRow);
    }

    /// <summary>Checks the row subset; true when it is every row in order (no gathering needed).</summary>
    internal static bool CheckRows(ReadOnlySpan<int> rows, int rowCount)
    {
        for (var k = 0; k < rows.Length; k++)
        {
            if ((uint)rows[k] >= (uint)rowCount)
                throw new ArgumentOutOfRangeException(nameof(rows), $"row {rows[k]} is outside the last forward's {rowCount} rows.");
            if (k > 0 && rows[k] <= rows[k - 1])
                throw new ArgumentException($"rows must be ascending without repeats; row {rows[k]} follows {rows[k - 1]}.", nameof(rows));
        }
        return rows.Length == rowCount;
    }
}
