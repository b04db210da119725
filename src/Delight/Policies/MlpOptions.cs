namespace Delight.Policies;

/// <summary>
/// Shape of the multilayer-perceptron contextual-bandit policy. Defaults are the MNIST bandit's: 784 pixels in,
/// two hidden ReLU layers of 100, 10 actions (one per digit), Linear layers with biases. 89,610 parameters.
/// </summary>
public sealed record MlpOptions
{
    /// <summary>Features per row (784 for a flattened 28×28 image).</summary>
    public int InputCount { get; init; } = 784;
    /// <summary>Widths of the hidden ReLU layers, input side first; empty for a linear softmax policy.</summary>
    public IReadOnlyList<int> HiddenWidths { get; init; } = [100, 100];
    /// <summary>Actions K (10 digits).</summary>
    public int ActionCount { get; init; } = 10;
    /// <summary>Most rows one forward handles: sizes the activation arena once.</summary>
    public int MaxRows { get; init; } = 100;

    public void Validate()
    {
        Positive(InputCount, "input");
        Positive(ActionCount, "actions");
        Positive(MaxRows, "max rows");
        if (HiddenWidths is null) throw new ArgumentException("hidden widths must be a list (empty for no hidden layer), got null.");
        for (var i = 0; i < HiddenWidths.Count; i++)
            if (HiddenWidths[i] <= 0)
                throw new ArgumentException($"hidden width {HiddenWidths[i]} of hidden layer {i + 1} must be a positive integer.");
        long activations = (long)MaxRows * (InputCount + ActionCount);
        foreach (var width in HiddenWidths) activations += (long)MaxRows * width;
        if (activations > PolicyLimits.MaxActivations)
            throw new ArgumentException($"max rows {MaxRows} × layer widths needs {activations} activations, too many for one arena; lower max rows.");
        if (ParameterCount > PolicyLimits.MaxParameters)
            throw new ArgumentException($"input {InputCount}, hidden [{string.Join(",", HiddenWidths)}] and actions {ActionCount} give {ParameterCount} parameters, more than the {PolicyLimits.MaxParameters} supported.");
    }

    /// <summary>Floats of the forward's stored activations: rows × (input + hidden widths + actions).</summary>
    public double ActivationFloats => (double)MaxRows * (InputCount + ActionCount + (HiddenWidths ?? []).Sum(w => (double)w));

    /// <summary>Trainable floats: each Linear layer's weights and biases, (in + 1)·out.</summary>
    public long ParameterCount
    {
        get
        {
            double count = 0, inputs = InputCount;
            foreach (var width in (IEnumerable<int>?)HiddenWidths ?? []) { count += (inputs + 1) * width; inputs = width; }
            count += (inputs + 1) * ActionCount;
            return count > long.MaxValue / 2 ? long.MaxValue / 2 : (long)count;
        }
    }

    /// <summary>Value equality including the hidden widths (element by element, not by list reference).</summary>
    public bool Equals(MlpOptions? other) =>
        other is not null && InputCount == other.InputCount && ActionCount == other.ActionCount && MaxRows == other.MaxRows
        && (ReferenceEquals(HiddenWidths, other.HiddenWidths)
            || (HiddenWidths is not null && other.HiddenWidths is not null && HiddenWidths.SequenceEqual(other.HiddenWidths)));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(InputCount);
        hash.Add(ActionCount);
        hash.Add(MaxRows);
        if (HiddenWidths is not null)
            foreach (var width in HiddenWidths) hash.Add(width);
        return hash.ToHashCode();
    }

    /// <summary>Readable <c>ToString</c>: the widths themselves rather than the list's type name.</summary>
    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"InputCount = {InputCount}, HiddenWidths = [{(HiddenWidths is null ? "" : string.Join(", ", HiddenWidths))}], ");
        builder.Append($"ActionCount = {ActionCount}, MaxRows = {MaxRows}");
        return true;
    }

    static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be a positive integer, got {value}.");
    }
}
