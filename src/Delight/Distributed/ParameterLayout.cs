using System.Text;
using Delight.Numerics;
using Delight.Numerics.Checksums;

namespace Delight.Distributed;

/// <summary>
/// What a parameter buffer must match to be loaded: its length (padding included, <see cref="ParameterSet.BufferLength"/>)
/// and a fingerprint of the tensor names and shapes in order. Same length but another architecture (say, two layers
/// swapped) gives another fingerprint, so an actor refuses parameters it would misread.
/// </summary>
public readonly record struct ParameterLayout(int BufferLength, uint Fingerprint)
{
    /// <summary>CRC-32C of "name[d0,d1,…];" for every parameter in declaration order.</summary>
    public static ParameterLayout Of(ParameterSet parameters)
    {
        var text = new StringBuilder();
        foreach (var p in parameters.Parameters) text.Append(p.Name).Append('[').AppendJoin(',', p.Shape).Append("];");
        return new ParameterLayout(parameters.BufferLength, Crc32C.Compute(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public override string ToString() => $"{BufferLength} floats, layout 0x{Fingerprint:X8}";
}
