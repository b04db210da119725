namespace Delight.Numerics;

/// <summary>A named, shaped view into an <see cref="Arena"/>. Row-major; the last dimension is contiguous.</summary>
public sealed class TensorView
{
    internal TensorView(Arena arena, string name, int[] shape, int offset, int length)
    {
        Arena = arena;
        Name = name;
        Shape = shape;
        Offset = offset;
        Length = length;
    }

    public Arena Arena { get; }
    public string Name { get; }
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Offset in floats from the start of the arena.</summary>
    public int Offset { get; }
    public int Length { get; }
    public Span<float> Span => Arena.Span(this);

    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}
