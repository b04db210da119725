using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class MlpPolicy
{
    /// <summary>
    /// Backward for a subset of the last forward's rows, reusing its stored activations: the kept rows' activations
    /// are gathered into compact buffers (no copy when every row is kept), so the cost scales with the kept rows.
    /// Gradients accumulate into <see cref="Parameters"/>; the input gets no gradient.
    /// </summary>
    /// <param name="rows">row indices from the last forward, ascending, no repeats</param>
    /// <param name="dLogProbs">[rows.Length]: the upstream gradient of each kept row's recorded-action log-prob</param>
    public void Backward(ReadOnlySpan<int> rows, ReadOnlySpan<float> dLogProbs)
    {
        var s = _saved;
        if (rows.Length > 0 && !s.Scored)
            throw new InvalidOperationException("Backward needs the actions of the last forward: call ScoreActions or SampleActions first.");
        var identity = TransformerPolicy.CheckRows(rows, s.RowCount);
        int K = rows.Length, A = ActionCount;
        if (K == 0) return;
        if (dLogProbs.Length < K)
            throw new ArgumentException($"dLogProbs holds {dLogProbs.Length} values, fewer than the {K} kept rows.", nameof(dLogProbs));
        var x = _scratch;

        // Output: d log π(action) → dLogits.
        var logProbs = Gather(s.LogProbs, A, rows, identity, x.GatherLogProbs);
        ReadOnlySpan<int> actions;
        if (identity) actions = s.Actions.AsSpan(0, K);
        else
        {
            for (var k = 0; k < K; k++) x.Actions[k] = s.Actions[rows[k]];
            actions = x.Actions.AsSpan(0, K);
        }
        ReadOnlySpan<float> dy = x.DLogits.Span[..(K * A)];
        LogSoftmax.BackwardGathered(logProbs, actions, dLogProbs, x.DLogits.Span, K, A);

        // Layers in reverse: layer i's input is hidden i−1 (post-ReLU) or, for fc1, the features.
        var useA = true;
        for (var i = _layers.Length - 1; i >= 1; i--)
        {
            var layer = _layers[i];
            var input = Gather(s.Hidden[i - 1], layer.InputCount, rows, identity, x.GatherActivations);
            var dx = (useA ? x.DHiddenA : x.DHiddenB).Span[..(K * layer.InputCount)];
            useA = !useA;
            layer.WeightGradient(input, dy, K);
            layer.InputGradient(dy, dx, K, accumulate: false);
            Relu.Backward(input, dx, dx);
            dy = dx;
        }
        _layers[0].Backward(Gather(s.Input, InputCount, rows, identity, x.GatherActivations), dy, [], K);
    }

    /// <summary>The saved rows <paramref name="rows"/> of a tensor laid out [rows, floatsPerRow], compacted.</summary>
    static ReadOnlySpan<float> Gather(TensorView saved, int floatsPerRow, ReadOnlySpan<int> rows, bool identity, TensorView scratch)
    {
        var src = saved.Span;
        if (identity) return src[..(rows.Length * floatsPerRow)];
        var dst = scratch.Span;
        for (var k = 0; k < rows.Length; k++)
            src.Slice(rows[k] * floatsPerRow, floatsPerRow).CopyTo(dst.Slice(k * floatsPerRow, floatsPerRow));
        return dst[..(rows.Length * floatsPerRow)];
    }
}
