using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Delight.Distributed;

/// <summary>
/// Bulk copies between int/float arrays and little-endian bytes. On little-endian CPUs (every CPU .NET runs on
/// today) each is one memory copy; the byte-swapping branch keeps the wire format fixed anywhere else.
/// </summary>
static class LittleEndian
{
    public static void Write(ReadOnlySpan<int> source, Span<byte> destination)
    {
        var target = MemoryMarshal.Cast<byte, int>(destination[..(source.Length * sizeof(int))]);
        if (BitConverter.IsLittleEndian) source.CopyTo(target);
        else BinaryPrimitives.ReverseEndianness(source, target);
    }

    public static void Read(ReadOnlySpan<byte> source, Span<int> destination)
    {
        var values = MemoryMarshal.Cast<byte, int>(source[..(destination.Length * sizeof(int))]);
        if (BitConverter.IsLittleEndian) values.CopyTo(destination);
        else BinaryPrimitives.ReverseEndianness(values, destination);
    }

    public static void Write(ReadOnlySpan<float> source, Span<byte> destination) =>
        Write(MemoryMarshal.Cast<float, int>(source), destination);

    public static void Read(ReadOnlySpan<byte> source, Span<float> destination) =>
        Read(source, MemoryMarshal.Cast<float, int>(destination));
}
