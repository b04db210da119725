using System.Buffers.Binary;
using System.Numerics;

namespace Delight.Numerics.Checksums;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of TFRecord framing and of our wire messages. Uses the CPU's CRC32 instruction
/// through <see cref="BitOperations.Crc32C(uint, ulong)"/> (a table fallback where there is none), 8 bytes at a time.
/// </summary>
public static class Crc32C
{
    /// <summary>The standard CRC-32C of <paramref name="data"/> (initial value and final xor 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    /// <summary>Continues a raw (non-inverted) running CRC over more bytes.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 and add a constant, so a CRC of CRCs stays well mixed.</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}
