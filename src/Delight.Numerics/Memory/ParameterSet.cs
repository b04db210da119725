namespace Delight.Numerics;

/// <summary>
/// All parameters of a model in one contiguous buffer with named views, and their gradients in a second buffer
/// with the identical layout. One contiguous buffer makes snapshots a single copy, cosine diagnostics a single
/// dot product, checkpoints a walk over <see cref="Parameters"/>, and zeroing gradients a single clear.
/// </summary>
public sealed class ParameterSet
{
    readonly Arena _values = new("parameters");
    readonly Arena _gradients = new("gradients");
    readonly List<Parameter> _parameters = [];
    readonly Dictionary<string, Parameter> _byName = new(StringComparer.Ordinal); // linear, not quadratic, in the layer count

    public IReadOnlyList<Parameter> Parameters => _parameters;
    /// <summary>Number of trainable floats (padding excluded).</summary>
    public int Count { get; private set; }
    public bool IsAllocated => _values.IsAllocated;

    public Parameter Add(string name, params int[] shape)
    {
        if (_byName.ContainsKey(name)) throw new ArgumentException($"Parameter '{name}' is declared twice.", nameof(name));
        var parameter = new Parameter(name, _values.Add(name, shape), _gradients.Add(name, shape));
        _parameters.Add(parameter);
        _byName.Add(name, parameter);
        Count += parameter.Length;
        return parameter;
    }

    public void Allocate()
    {
        _values.Allocate();
        _gradients.Allocate();
    }

    /// <summary>The whole parameter buffer (including zero padding between tensors).</summary>
    public Span<float> Values => _values.All;
    /// <summary>The whole gradient buffer, same layout as <see cref="Values"/>.</summary>
    public Span<float> Gradients => _gradients.All;

    public void ZeroGradients() => _gradients.All.Clear();

    public Parameter this[string name]
    {
        get => _byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"No parameter named '{name}'.");
    }

    /// <summary>Copies every value into <paramref name="destination"/> (length <see cref="BufferLength"/>).</summary>
    public void CopyValuesTo(Span<float> destination) => Values.CopyTo(destination);
    public void CopyValuesFrom(ReadOnlySpan<float> source) => source.CopyTo(Values);
    /// <summary>Length of <see cref="Values"/>, padding included: the size of a snapshot.</summary>
    public int BufferLength => _values.Count;
}

/// <summary>One named parameter tensor and its gradient view.</summary>
public sealed class Parameter(string name, TensorView value, TensorView gradient)
{
    public string Name { get; } = name;
    public TensorView ValueTensor { get; } = value;
    public TensorView GradientTensor { get; } = gradient;
    public IReadOnlyList<int> Shape => ValueTensor.Shape;
    public int Length => ValueTensor.Length;
    public Span<float> Value => ValueTensor.Span;
    public Span<float> Gradient => GradientTensor.Span;
    public override string ToString() => ValueTensor.ToString();
}
