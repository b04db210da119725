using System.Text;
using Delight.Numerics.Checksums;

namespace Delight.Test.Numerics;

public class Crc32CTest
{
    // Published check values: CRC-32C("123456789") = 0xE3069283 (RFC 3720 B.4 style catalogue value).
    [Fact]
    public void MatchesTheStandardCheckValue() => Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    // RFC 3720 B.4: 32 bytes of zeros → 0x8A9136AA; 32 bytes of 0xFF → 0x62A8AB43.
    [Fact]
    public void MatchesRfc3720Vectors()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
    }

    [Fact]
    public void IncrementalEqualsWholeAtEveryOddSplit()
    {
        var data = Enumerable.Range(0, 77).Select(i => (byte)(i * 37 + 11)).ToArray();
        var whole = Crc32C.Compute(data);
        for (var split = 0; split <= data.Length; split++)
            Assert.Equal(whole, ~Crc32C.Update(Crc32C.Update(~0u, data.AsSpan(0, split)), data.AsSpan(split)));
    }

    [Fact]
    public void MaskIsTheTfRecordRotation() => Assert.Equal(unchecked(((0x12345678u >> 15) | (0x12345678u << 17)) + 0xa282ead8u), Crc32C.Mask(0x12345678u));
}
