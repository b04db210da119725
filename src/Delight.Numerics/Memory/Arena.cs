namespace Delight.Numerics;

/// <summary>
/// One 64-byte-aligned block of float32 with named tensor views, laid out in the order they were added.
/// Two phases: <see cref="Add"/> every tensor, then <see cref="Allocate"/> once. Views never move, so a
/// layer can keep its <see cref="TensorView"/> handles for its whole life and the step loop never allocates.
/// </summary>
public sealed class Arena
{
    const int AlignmentFloats = 16; // 64 bytes: one cache line, one Vector512
    readonly List<TensorView> _tensors = [];
    float[]? _block;
    int _base;

    public Arena(string name) => Name = name;

    public string Name { get; }
    public int Count { get; private set; }
    public IReadOnlyList<TensorView> Tensors => _tensors;
    public bool IsAllocated => _block is not null;

    /// <summary>Declares a tensor of the given shape; each starts on a 64-byte boundary.</summary>
    public TensorView Add(string name, params int[] shape)
    {
        if (IsAllocated) throw new InvalidOperationException($"Arena '{Name}' is already allocated; add '{name}' before Allocate().");
        long length = 1;
        foreach (var d in shape)
        {
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"TensorView '{name}' has a non-positive dimension {d}; every dimension must be >= 1.");
            length *= d;
        }
        if (length > int.MaxValue / 2) throw new ArgumentOutOfRangeException(nameof(shape), $"TensorView '{name}' has {length} elements, more than an arena can hold.");
        if (Count + (long)RoundUp((int)length) > Array.MaxLength - AlignmentFloats)
            throw new ArgumentOutOfRangeException(nameof(shape), $"TensorView '{name}' ({length} elements) does not fit in arena '{Name}', which already holds {Count} floats; the model or batch is too large.");
        var tensor = new TensorView(this, name, [.. shape], Count, (int)length);
        _tensors.Add(tensor);
        Count += RoundUp((int)length);
        return tensor;
    }

    /// <summary>Allocates the block (zeroed) and makes every view usable.</summary>
    public void Allocate()
    {
        if (IsAllocated) return;
        // Pinned so the aligned base offset stays valid; the GC never moves the block.
        _block = GC.AllocateArray<float>(Count + AlignmentFloats, pinned: true);
        _base = AlignedBase(_block);
    }

    /// <summary>Every float of the arena (padding between tensors included, always zero unless written).</summary>
    public Span<float> All => Block.AsSpan(_base, Count);

    internal Span<float> Span(TensorView tensor) => Block.AsSpan(_base + tensor.Offset, tensor.Length);

    float[] Block => _block ?? throw new InvalidOperationException($"Arena '{Name}' is used before Allocate().");

    static int RoundUp(int length) => (length + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;

    static unsafe int AlignedBase(float[] block)
    {
        fixed (float* p = block)
        {
            var misalignment = (int)((nuint)p % 64) / sizeof(float);
            return misalignment == 0 ? 0 : AlignmentFloats - misalignment;
        }
    }
}
