namespace Delight.Policies;

/// <summary>
/// Shape of the tabular softmax policy: one row of K logits per context (a multi-armed bandit has one context).
/// </summary>
public sealed record TabularOptions
{
    /// <summary>Distinct contexts (states); 1 for a plain K-armed bandit.</summary>
    public int ContextCount { get; init; } = 1;
    /// <summary>Actions K per context.</summary>
    public int ActionCount { get; init; } = 2;
    /// <summary>Most rows one forward handles: sizes the activation buffers once.</summary>
    public int MaxRows { get; init; } = 1000;
    /// <summary>Every logit's starting value; all equal gives the uniform policy.</summary>
    public float InitialLogit { get; init; }
    /// <summary>When &gt; 0, <see cref="TabularSoftmaxPolicy.Initialize"/> adds N(0, InitStd²) noise to each logit.</summary>
    public float InitStd { get; init; }

    public void Validate()
    {
        Positive(ContextCount, "contexts");
        Positive(ActionCount, "actions");
        Positive(MaxRows, "max rows");
        if (ParameterCount > PolicyLimits.MaxParameters)
            throw new ArgumentException($"contexts {ContextCount} × actions {ActionCount} is {ParameterCount} logits, more than the {PolicyLimits.MaxParameters} supported.");
        if ((long)MaxRows * ActionCount > PolicyLimits.MaxActivations)
            throw new ArgumentException($"max rows {MaxRows} × actions {ActionCount} is too many log-probs for one buffer; lower max rows.");
        if (!float.IsFinite(InitialLogit)) throw new ArgumentException($"initial logit {InitialLogit} must be a finite number.");
        if (!(InitStd >= 0) || !float.IsFinite(InitStd)) throw new ArgumentException($"init std {InitStd} must be a finite number >= 0.");
    }

    /// <summary>Floats of the per-row log-probs buffer: rows × actions.</summary>
    public double ActivationFloats => (double)MaxRows * ActionCount;

    /// <summary>Trainable floats: one logit per (context, action).</summary>
    public long ParameterCount => (long)ContextCount * ActionCount;

    static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be a positive integer, got {value}.");
    }
}
