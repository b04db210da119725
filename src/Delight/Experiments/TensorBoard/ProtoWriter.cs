using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Delight.Experiments.TensorBoard;

/// <summary>
/// The protocol-buffer wire primitives an Event of scalars needs, written into a span the caller sized exactly with the
/// static <c>…Length</c> methods (https://protobuf.dev/programming-guides/encoding/). Hand-written so the library needs
/// no protobuf package: a key is <c>(field &lt;&lt; 3) | wire type</c> as a varint; varints are little-endian base 128;
/// fixed64/fixed32 are little-endian; a length-delimited field is its byte length as a varint, then the bytes.
/// </summary>
ref struct ProtoWriter
{
    const int WireVarint = 0;
    const int WireFixed64 = 1;
    const int WireLengthDelimited = 2;
    const int WireFixed32 = 5;

    readonly Span<byte> _destination;
    int _position;

    public ProtoWriter(Span<byte> destination) => _destination = destination;

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    public void Double(int field, double value)
    {
        Key(field, WireFixed64);
        BinaryPrimitives.WriteDoubleLittleEndian(_destination[_position..], value);
        _position += sizeof(double);
    }

    public void Float(int field, float value)
    {
        Key(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_destination[_position..], value);
        _position += sizeof(float);
    }

    /// <summary>int64 is a plain varint of the two's-complement bits: a negative value always takes ten bytes.</summary>
    public void Int64(int field, long value)
    {
        Key(field, WireVarint);
        Varint(unchecked((ulong)value));
    }

    /// <summary>Starts an embedded message (or string) of <paramref name="length"/> bytes; the caller writes them next.</summary>
    public void LengthPrefix(int field, int length)
    {
        Key(field, WireLengthDelimited);
        Varint((uint)length);
    }

    /// <param name="utf8Length">the exact UTF-8 byte count of <paramref name="value"/> (the caller already needed it for sizes)</param>
    public void String(int field, ReadOnlySpan<char> value, int utf8Length)
    {
        LengthPrefix(field, utf8Length);
        _position += Encoding.UTF8.GetBytes(value, _destination.Slice(_position, utf8Length));
    }

    void Key(int field, int wireType) => Varint((uint)((field << 3) | wireType));

    void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _destination[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _destination[_position++] = (byte)value;
    }

    /// <summary>Bytes of <paramref name="value"/> as a varint: one per started group of 7 bits (1 for zero, 10 at most).</summary>
    public static int VarintLength(ulong value) => Math.Max(1, (64 - BitOperations.LeadingZeroCount(value) + 6) / 7);

    public static int KeyLength(int field) => VarintLength((uint)(field << 3));

    public static int DoubleLength(int field) => KeyLength(field) + sizeof(double);

    public static int FloatLength(int field) => KeyLength(field) + sizeof(float);

    public static int Int64Length(int field, long value) => KeyLength(field) + VarintLength(unchecked((ulong)value));

    /// <summary>The whole field: key, length varint and the <paramref name="length"/> payload bytes.</summary>
    public static int LengthDelimitedLength(int field, int length) => KeyLength(field) + VarintLength((uint)length) + length;
}
