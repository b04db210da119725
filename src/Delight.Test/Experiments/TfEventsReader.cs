using System.Buffers.Binary;
using Google.Protobuf;

namespace Delight.Test.Experiments;

/// <summary>One decoded <c>Event</c>: a file_version event has no values, a summary event has its values.</summary>
public sealed record TfEvent(double WallTime, long Step, string? FileVersion, IReadOnlyList<TfValue> Values);

public sealed record TfValue(string Tag, float? SimpleValue);

/// <summary>
/// Reads TensorBoard event files with none of Delight's code, so a writer bug cannot hide behind a matching reader bug:
/// the TFRecord framing is parsed here with its own bitwise CRC-32C, and the Event protobuf is decoded with
/// Google.Protobuf's <see cref="CodedInputStream"/>. Strict on purpose: a torn tail, a bad CRC, an unexpected field or
/// wire type is an <see cref="InvalidDataException"/>, since our writer should never produce any of them.
/// </summary>
public static class TfEventsReader
{
    const int HeaderLength = 12;
    const int FooterLength = 4;

    /// <summary>Reads the file even while a writer still holds it open.</summary>
    public static byte[] ReadFileBytes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static List<TfEvent> ReadEvents(string path) => ReadRecords(ReadFileBytes(path)).Select(DecodeEvent).ToList();

    /// <summary>Splits the file into record data, checking both masked CRCs of every record and that nothing is left over.</summary>
    public static List<byte[]> ReadRecords(ReadOnlySpan<byte> file)
    {
        var records = new List<byte[]>();
        var offset = 0;
        while (offset < file.Length)
        {
            if (file.Length - offset < HeaderLength) throw new InvalidDataException($"torn record header at byte {offset}");
            var lengthBytes = file.Slice(offset, 8);
            // The length's own CRC is checked before the length is trusted to slice anything.
            if (MaskedCrc32C(lengthBytes) != BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 8)..]))
                throw new InvalidDataException($"length CRC mismatch in the record at byte {offset}");
            var length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (length > (ulong)(file.Length - offset - HeaderLength - FooterLength))
                throw new InvalidDataException($"torn record data at byte {offset}");
            var data = file.Slice(offset + HeaderLength, (int)length);
            if (MaskedCrc32C(data) != BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + HeaderLength + (int)length)..]))
                throw new InvalidDataException($"data CRC mismatch in the record at byte {offset}");
            records.Add(data.ToArray());
            offset += HeaderLength + (int)length + FooterLength;
        }
        return records;
    }

    /// <summary>Decodes <c>Event</c> (tensorboard/compat/proto/event.proto) with the fields a scalar file uses.</summary>
    public static TfEvent DecodeEvent(byte[] data)
    {
        var input = new CodedInputStream(data);
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var values = new List<TfValue>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case 1 << 3 | (uint)WireFormat.WireType.Fixed64: wallTime = input.ReadDouble(); break;
                case 2 << 3 | (uint)WireFormat.WireType.Varint: step = input.ReadInt64(); break;
                case 3 << 3 | (uint)WireFormat.WireType.LengthDelimited: fileVersion = input.ReadString(); break;
                case 5 << 3 | (uint)WireFormat.WireType.LengthDelimited: DecodeSummary(input.ReadBytes(), values); break;
                default: throw Unexpected("Event", tag);
            }
        }
        return new TfEvent(wallTime, step, fileVersion, values);
    }

    /// <summary><c>Summary { repeated Value value = 1; }</c> (tensorboard/compat/proto/summary.proto).</summary>
    static void DecodeSummary(ByteString summary, List<TfValue> values)
    {
        var input = summary.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag != (1 << 3 | (uint)WireFormat.WireType.LengthDelimited)) throw Unexpected("Summary", tag);
            values.Add(DecodeValue(input.ReadBytes()));
        }
    }

    /// <summary><c>Summary.Value { string tag = 1; float simple_value = 2; }</c>.</summary>
    static TfValue DecodeValue(ByteString value)
    {
        var input = value.CreateCodedInput();
        string? name = null;
        float? simpleValue = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case 1 << 3 | (uint)WireFormat.WireType.LengthDelimited: name = input.ReadString(); break;
                case 2 << 3 | (uint)WireFormat.WireType.Fixed32: simpleValue = input.ReadFloat(); break;
                default: throw Unexpected("Summary.Value", tag);
            }
        }
        return new TfValue(name ?? throw new InvalidDataException("Summary.Value without a tag"), simpleValue);
    }

    static InvalidDataException Unexpected(string message, uint tag) =>
        new($"{message}: unexpected field {WireFormat.GetTagFieldNumber(tag)} with wire type {WireFormat.GetTagWireType(tag)}");

    /// <summary>TFRecord's mask of CRC-32C: rotate right by 15, add 0xa282ead8 (TFRecords format details).</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }

    /// <summary>Bit-at-a-time CRC-32C: reflected Castagnoli polynomial 0x82F63B78, initial value and final xor all ones.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }
}
