using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class MlpPolicy
{
    public int ActionsPerRow => 1;
    /// <summary>Rows in the last forward.</summary>
    public int RowCount => _saved.RowCount;
    /// <summary>Log-probs of the recorded actions, [rows]; empty until the last forward's actions are scored.</summary>
    public ReadOnlySpan<float> ActionLogProbs => _saved.Scored ? _saved.ActionLogProbs.Span[.._saved.RowCount] : default;
    /// <summary>The last forward's full log-softmax, [rows, K].</summary>
    public ReadOnlySpan<float> LogProbs => _saved.LogProbs.Span[..(_saved.RowCount * ActionCount)];
    /// <summary>The actions recorded for the last forward, [rows]; empty until scored.</summary>
    public ReadOnlySpan<int> Actions => _saved.Scored ? _saved.Actions.AsSpan(0, _saved.RowCount) : default;

    /// <summary>
    /// Runs the network on <paramref name="rowCount"/> feature rows, storing every activation backward needs.
    /// Recorded actions are cleared: score them next with <see cref="ScoreActions"/> or <see cref="SampleActions"/>.
    /// </summary>
    /// <param name="inputs">[rows, I] features (finiteness is not checked)</param>
    /// <returns>log π(· | row), [rows, K] (a view valid until the next forward)</returns>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs, int rowCount)
    {
        if (rowCount < 1 || rowCount > MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {rowCount} must be in [1, {MaxRows}] (the policy's MaxRows).");
        if (inputs.Length < rowCount * InputCount)
            throw new ArgumentException($"inputs holds {inputs.Length} values, fewer than rows·input = {rowCount}·{InputCount} = {rowCount * InputCount}.", nameof(inputs));
        var s = _saved;
        s.RowCount = rowCount;
        s.Scored = false;
        var x = s.Input.Span[..(rowCount * InputCount)];
        inputs[..x.Length].CopyTo(x);
        ReadOnlySpan<float> layerInput = x;
        for (var i = 0; i < s.Hidden.Length; i++)
        {
            var layer = _layers[i];
            var h = s.Hidden[i].Span[..(rowCount * layer.OutputCount)];
            LayerForward(i, layerInput, h, rowCount);
            Relu.Forward(h, h);
            layerInput = h;
        }
        var logProbs = s.LogProbs.Span[..(rowCount * ActionCount)];
        LayerForward(_layers.Length - 1, layerInput, logProbs, rowCount);
        LogSoftmax.Forward(logProbs, logProbs, rowCount, ActionCount);
        return logProbs;
    }

    /// <summary>
    /// Layer i's forward. fc1 takes the sparse path (same bits) when the features are mostly zeros and this call
    /// would run on one thread anyway; with the pool free, the dense GEMM split over it is faster (see
    /// <see cref="SparseInputMaxDensity"/>).
    /// </summary>
    void LayerForward(int i, ReadOnlySpan<float> input, Span<float> output, int rowCount)
    {
        if (i == 0 && _sparseInput is { } sparse && WorkerPool.Shared is var pool
            && (pool.ThreadCount == 1 || pool.IsBusy || WorkerPool.InParallelPart)
            && sparse.TryCompress(input, rowCount) && _layers[0].TryForward(sparse, _sparseFirstLayer!, output))
            return;
        _layers[i].Forward(input, output, rowCount);
    }

    /// <summary>
    /// Records one action per row of the last forward and returns their log-probs (also <see cref="ActionLogProbs"/>).
    /// </summary>
    /// <param name="actions">[rows], each in [0, K)</param>
    /// <returns>log π(actions[b] | row b), [rows] (a view valid until the next forward)</returns>
    public ReadOnlySpan<float> ScoreActions(ReadOnlySpan<int> actions)
    {
        var s = _saved;
        var rows = s.RowCount;
        if (rows == 0) throw new InvalidOperationException("ScoreActions needs a forward first: call Forward(inputs, rows).");
        Categorical.CheckActions(actions, rows, ActionCount);
        return Record(actions);
    }

    /// <summary>
    /// Draws one action per row of the last forward from its log-softmax (inverse CDF, one rng.NextDouble() per row in
    /// row order, so a seed fixes the result), records them as <see cref="ScoreActions"/> does, and writes the
    /// actions and their log-probs.
    /// </summary>
    /// <param name="actions">[rows], overwritten</param>
    /// <param name="logProbs">[rows], overwritten with log π(actions[b] | row b)</param>
    public void SampleActions(Span<int> actions, Span<float> logProbs, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var s = _saved;
        int rows = s.RowCount, K = ActionCount;
        if (rows == 0) throw new InvalidOperationException("SampleActions needs a forward first: call Forward(inputs, rows).");
        Categorical.CheckSampleSpans(actions.Length, logProbs.Length, rows);
        Categorical.SampleRows(s.LogProbs.Span, rows, K, actions, rng);
        Record(actions).CopyTo(logProbs);
    }

    ReadOnlySpan<float> Record(ReadOnlySpan<int> actions)
    {
        var s = _saved;
        int rows = s.RowCount, K = ActionCount;
        ReadOnlySpan<float> lp = s.LogProbs.Span;
        var chosen = s.ActionLogProbs.Span[..rows];
        actions[..rows].CopyTo(s.Actions);
        for (var b = 0; b < rows; b++) chosen[b] = lp[b * K + actions[b]];
        s.Scored = true;
        return chosen;
    }

    /// <summary>Entropy of π(· | row) for every row of the last forward, [rows].</summary>
    public void Entropies(Span<float> destination)
    {
        int rows = _saved.RowCount, K = ActionCount;
        if (destination.Length < rows)
            throw new ArgumentException($"destination holds {destination.Length} slots, fewer than the last forward's {rows} rows.", nameof(destination));
        ReadOnlySpan<float> lp = _saved.LogProbs.Span;
        for (var b = 0; b < rows; b++) destination[b] = LogSoftmax.Entropy(lp.Slice(b * K, K));
    }
}
