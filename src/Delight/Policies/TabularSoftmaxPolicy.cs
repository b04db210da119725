using System.Globalization;
using System.Numerics.Tensors;
using Delight.Numerics;

namespace Delight.Policies;

/// <summary>
/// Tabular softmax policy for bandits: π(a | c) = softmax(logits[c, ·])[a], one parameter <c>logits</c> [C, K].
/// Use as the MLP: <see cref="Forward(ReadOnlySpan{int}, int)"/> stores the log-softmax rows of the given contexts, <see cref="ScoreActions"/>
/// or <see cref="SampleActions"/> records one action per row, <see cref="Backward"/> over any row subset.
/// </summary>
public sealed class TabularSoftmaxPolicy : ISequencePolicy
{
    readonly Parameter _logits;
    readonly int[] _contexts;
    readonly int[] _actions;
    readonly float[] _logProbs;
    readonly float[] _actionLogProbs;
    readonly float[] _dLogits;
    readonly float[] _scratch;
    int _rowCount;
    bool _scored;

    public TabularSoftmaxPolicy(TabularOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var p = new ParameterSet();
        _logits = p.Add("logits", options.ContextCount, options.ActionCount);
        p.Allocate();
        _logits.Value.Fill(options.InitialLogit);
        Parameters = p;
        Metadata = new Dictionary<string, string>
        {
            ["policy"] = Kind,
            ["contexts"] = Str(options.ContextCount),
            ["actions"] = Str(options.ActionCount),
        };
        _contexts = new int[options.MaxRows];
        _actions = new int[options.MaxRows];
        _logProbs = new float[options.MaxRows * options.ActionCount];
        _actionLogProbs = new float[options.MaxRows];
        _dLogits = new float[options.ActionCount];
        _scratch = new float[options.ActionCount];
    }

    public string Kind => "tabular";
    public TabularOptions Options { get; }
    public ParameterSet Parameters { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public int ContextCount => Options.ContextCount;
    public int ActionCount => Options.ActionCount;
    public int MaxRows => Options.MaxRows;
    public int ActionsPerRow => 1;
    public int MaxLength => OneStepRows.Length;
    public float[]? SamplingLogitBias { get; set; }
    /// <summary>Same as <see cref="LogProbs"/>: one scored position per row.</summary>
    public ReadOnlySpan<float> PositionLogProbs => LogProbs;
    /// <summary>Rows in the last forward.</summary>
    public int RowCount => _rowCount;
    /// <summary>Log-probs of the recorded actions, [rows]; empty until the last forward's actions are scored.</summary>
    public ReadOnlySpan<float> ActionLogProbs => _scored ? _actionLogProbs.AsSpan(0, _rowCount) : default;
    /// <summary>The last forward's full log-softmax, [rows, K].</summary>
    public ReadOnlySpan<float> LogProbs => _logProbs.AsSpan(0, _rowCount * ActionCount);
    /// <summary>The actions recorded for the last forward, [rows]; empty until scored.</summary>
    public ReadOnlySpan<int> Actions => _scored ? _actions.AsSpan(0, _rowCount) : default;

    /// <summary>
    /// Every logit set to <see cref="TabularOptions.InitialLogit"/>, plus N(0, InitStd²) noise drawn from
    /// <paramref name="rng"/>.Split("logits") when InitStd &gt; 0 (otherwise the rng is not used).
    /// </summary>
    public void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var w = _logits.Value;
        w.Fill(Options.InitialLogit);
        if (Options.InitStd > 0)
        {
            var stream = rng.Split(_logits.Name);
            for (var i = 0; i < w.Length; i++) w[i] += (float)(Options.InitStd * stream.NextNormal());
        }
    }

    /// <summary>Reads the options back from checkpoint metadata (the inverse of <see cref="Metadata"/>).</summary>
    public static TabularOptions OptionsFromMetadata(IReadOnlyDictionary<string, string> metadata, int maxRows = 1000)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int Int(string key) => metadata.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"checkpoint metadata has no integer '{key}' for the tabular architecture.");
        return new TabularOptions { ContextCount = Int("contexts"), ActionCount = Int("actions"), MaxRows = maxRows };
    }

    /// <summary>π(· | context) into <paramref name="destination"/> [K], computed stably from the current logits.</summary>
    public void Probabilities(int context, Span<float> destination)
    {
        CheckContext(context, nameof(context));
        if (destination.Length < ActionCount)
            throw new ArgumentException($"destination holds {destination.Length} slots, fewer than the {ActionCount} actions.", nameof(destination));
        var p = destination[..ActionCount];
        LogSoftmax.Forward(Row(context), p, 1, ActionCount);
        TensorPrimitives.Exp(p, p);
    }

    /// <summary>Stores log π(· | contexts[b]) for every row.</summary>
    /// <param name="contexts">[rows], each in [0, C)</param>
    /// <returns>[rows, K] log-probs (a view valid until the next forward)</returns>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> contexts, int rowCount)
    {
        if (rowCount < 1 || rowCount > MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {rowCount} must be in [1, {MaxRows}] (the policy's MaxRows).");
        if (contexts.Length < rowCount)
            throw new ArgumentException($"contexts holds {contexts.Length} values, fewer than rows = {rowCount}.", nameof(contexts));
        for (var b = 0; b < rowCount; b++)
            if ((uint)contexts[b] >= (uint)ContextCount)
                throw new ArgumentOutOfRangeException(nameof(contexts), $"context {contexts[b]} at row {b} is outside [0, {ContextCount}) (the policy's context count).");
        int K = ActionCount;
        _rowCount = rowCount;
        _scored = false;
        contexts[..rowCount].CopyTo(_contexts);
        var logProbs = _logProbs.AsSpan(0, rowCount * K);
        for (var b = 0; b < rowCount; b++)
            LogSoftmax.Forward(Row(contexts[b]), logProbs.Slice(b * K, K), 1, K);
        return logProbs;
    }

    /// <summary>One-step rows [context, action]: stores π(· | context) and scores the actions, [rows].</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int rowCount, int length, int promptLength)
    {
        ForwardRows(tokens, rowCount, length, promptLength);
        OneStepRows.Actions(tokens, rowCount, _actions);
        return Record(_actions.AsSpan(0, rowCount));
    }

    /// <summary>Fills the action column of one-step rows (see <see cref="ISequencePolicy.Sample"/>).</summary>
    public void Sample(Span<int> tokens, Span<float> logProbs, int rowCount, int promptLength, int length, Rng? rng)
    {
        var policyLogProbs = ForwardRows(tokens, rowCount, length, promptLength);
        OneStepRows.Sample(policyLogProbs, rowCount, ActionCount, SamplingLogitBias, rng, tokens, logProbs, _scratch);
    }

    ReadOnlySpan<float> ForwardRows(ReadOnlySpan<int> tokens, int rowCount, int length, int promptLength)
    {
        OneStepRows.CheckShape(rowCount, length, promptLength, MaxRows, Kind);
        // _actions doubles as the context scratch: Forward copies the contexts before the actions are written.
        OneStepRows.Contexts(tokens, rowCount, _actions);
        return Forward(_actions.AsSpan(0, rowCount), rowCount);
    }

    /// <summary>A table lookup and a log-softmax: about K operations per row, counted as 2K.</summary>
    public long ForwardFlops(int rowCount, int length) => 2L * rowCount * ActionCount;

    /// <summary>Records one action per row of the last forward and returns their log-probs, [rows].</summary>
    /// <param name="actions">[rows], each in [0, K)</param>
    public ReadOnlySpan<float> ScoreActions(ReadOnlySpan<int> actions)
    {
        var rows = _rowCount;
        if (rows == 0) throw new InvalidOperationException("ScoreActions needs a forward first: call Forward(contexts, rows).");
        Categorical.CheckActions(actions, rows, ActionCount);
        return Record(actions);
    }

    /// <summary>
    /// Draws one action per row of the last forward (inverse CDF, one rng.NextDouble() per row in row order), records
    /// them as <see cref="ScoreActions"/> does, and writes the actions and their log-probs, [rows] each.
    /// </summary>
    public void SampleActions(Span<int> actions, Span<float> logProbs, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int rows = _rowCount, K = ActionCount;
        if (rows == 0) throw new InvalidOperationException("SampleActions needs a forward first: call Forward(contexts, rows).");
        Categorical.CheckSampleSpans(actions.Length, logProbs.Length, rows);
        Categorical.SampleRows(_logProbs, rows, K, actions, rng);
        Record(actions).CopyTo(logProbs);
    }

    /// <summary>
    /// Accumulates into the logits' gradient d/dlogits of Σ_k dLogProbs[k]·log π(action | context) of row rows[k]:
    /// row c gets dLogProbs[k]·(onehot(action) − π(· | c)).
    /// </summary>
    /// <param name="rows">row indices from the last forward, ascending, no repeats</param>
    /// <param name="dLogProbs">[rows.Length]</param>
    public void Backward(ReadOnlySpan<int> rows, ReadOnlySpan<float> dLogProbs)
    {
        if (rows.Length > 0 && !_scored)
            throw new InvalidOperationException("Backward needs the actions of the last forward: call ScoreActions or SampleActions first.");
        TransformerPolicy.CheckRows(rows, _rowCount);
        if (dLogProbs.Length < rows.Length)
            throw new ArgumentException($"dLogProbs holds {dLogProbs.Length} values, fewer than the {rows.Length} kept rows.", nameof(dLogProbs));
        int K = ActionCount;
        var gradient = _logits.Gradient;
        var d = _dLogits.AsSpan();
        for (var k = 0; k < rows.Length; k++)
        {
            var r = rows[k];
            if (dLogProbs[k] == 0f) continue;
            LogSoftmax.BackwardGathered(_logProbs.AsSpan(r * K, K), _actions.AsSpan(r, 1), dLogProbs.Slice(k, 1), d, 1, K);
            var g = gradient.Slice(_contexts[r] * K, K);
            TensorPrimitives.Add(g, d, g);
        }
    }

    /// <summary>Entropy of π(· | context) for every row of the last forward, [rows].</summary>
    public void Entropies(Span<float> destination)
    {
        int rows = _rowCount, K = ActionCount;
        if (destination.Length < rows)
            throw new ArgumentException($"destination holds {destination.Length} slots, fewer than the last forward's {rows} rows.", nameof(destination));
        for (var b = 0; b < rows; b++) destination[b] = LogSoftmax.Entropy(_logProbs.AsSpan(b * K, K));
    }

    ReadOnlySpan<float> Record(ReadOnlySpan<int> actions)
    {
        int rows = _rowCount, K = ActionCount;
        actions[..rows].CopyTo(_actions);
        for (var b = 0; b < rows; b++) _actionLogProbs[b] = _logProbs[b * K + actions[b]];
        _scored = true;
        return _actionLogProbs.AsSpan(0, rows);
    }

    ReadOnlySpan<float> Row(int context) => _logits.Value.Slice(context * ActionCount, ActionCount);

    void CheckContext(int context, string name)
    {
        if ((uint)context >= (uint)ContextCount)
            throw new ArgumentOutOfRangeException(name, $"context {context} is outside [0, {ContextCount}) (the policy's context count).");
    }

    static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
