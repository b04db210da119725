namespace Delight.Checkpoints;

/// <summary>
/// The parsed and validated header of a safetensors file.
/// </summary>
/// <param name="Metadata">The <c>__metadata__</c> object (empty when the file has none), in file order.</param>
/// <param name="Tensors">Every tensor entry, in data-section order (ascending <see cref="SafeTensorsEntry.Begin"/>).</param>
/// <param name="HeaderLength">N, the length in bytes of the JSON header including its padding.</param>
/// <param name="DataLength">Length in bytes of the data section (everything after the header).</param>
public sealed record SafeTensorsHeader(
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<SafeTensorsEntry> Tensors,
    long HeaderLength,
    long DataLength)
{
    /// <summary>Absolute file offset of the data section: the 8-byte length prefix plus the header.</summary>
    public long DataStart => 8 + HeaderLength;
}

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">Tensor name, e.g. <c>blocks.0.attn.qkv.weight</c>.</param>
/// <param name="Dtype">Element type as written, e.g. <c>F32</c>, <c>F16</c>, <c>BF16</c>.</param>
/// <param name="Shape">Dimensions, row-major (the last is contiguous); empty for a scalar.</param>
/// <param name="Begin">First byte, relative to the start of the data section.</param>
/// <param name="End">One past the last byte, relative to the start of the data section.</param>
public sealed record SafeTensorsEntry(string Name, string Dtype, IReadOnlyList<int> Shape, long Begin, long End)
{
    /// <summary>Product of the dimensions (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    public long ByteLength => End - Begin;

    public override string ToString() => $"{Name} {Dtype} [{string.Join(", ", Shape)}] @[{Begin}, {End})";
}

/// <summary>One F32 tensor read from a safetensors file.</summary>
public sealed record SafeTensor(IReadOnlyList<int> Shape, float[] Values);
