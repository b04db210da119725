using System.Buffers.Binary;
using System.Text;
using Delight.Numerics.Checksums;

namespace Delight.Distributed;

/// <summary>
/// The fixed 80-byte header every Delight message starts with, followed by the run name (UTF-8, n bytes) and the
/// payload. Little-endian throughout. The header CRC covers bytes [0, 76) and the run name, so a flipped length or
/// count is caught before it is trusted; the payload CRC (stored in the header, hence itself protected) covers the
/// payload, so header and payload corruption are reported as different reasons.
/// <code>
/// offset size field
///   0     4  magic "DLGT"
///   4     2  format version (2)
///   6     1  kind (MessageKind)
///   7     1  flags (rollout: bit 0 = has behaviour log-probs, bit 1 = has task scores)
///   8     2  run name length n (1..MaxRunNameBytes)
///  10     2  reserved, 0
///  12     4  payload length in bytes
///  16     8  actor id (rollout, hello)
///  24     8  sequence number per actor (rollout)
///  32     8  policy version (rollout: sampled with; parameters: this version)
///  40     4  count A (rollout: rows; parameters: parameter count)
///  44     4  count B (rollout: prompt length; parameters: layout fingerprint)
///  48     4  count C (rollout: answer length)
///  52     4  count D (rollout: samples per prompt)
///  56     8  learner epoch (rollout: of the parameters it was sampled with; parameters: the publishing learner's;
///             credit: the granting learner's)
///  64     8  credit id (rollout: the credit it answers, 0 for none; credit: its id)
///  72     4  payload CRC-32C
///  76     4  header CRC-32C over [0, 76) ++ run name
///  80     n  run name, UTF-8
///  80+n   …  payload
/// </code>
/// Version 2 added the epoch and the credit: a learner restarted from a checkpoint is a new incarnation (epoch) whose
/// versions may repeat its predecessor's, so a version alone no longer names a set of parameters.
/// </summary>
public struct MessageHeader
{
    /// <summary>"DLGT" read as a little-endian uint.</summary>
    public const uint Magic = 'D' | 'L' << 8 | 'G' << 16 | (uint)'T' << 24;
    /// <summary>Bumped on any layout change; readers accept only the versions they know (no silent misreads).</summary>
    public const ushort FormatVersion = 2;
    public const int Size = 80;
    public const int MaxRunNameBytes = 128;
    const int PayloadCrcOffset = 72;
    const int HeaderCrcOffset = 76;

    public MessageKind Kind;
    public byte Flags;
    public int PayloadLength;
    public ulong ActorId;
    public ulong Sequence;
    public long PolicyVersion;
    public int CountA, CountB, CountC, CountD;
    /// <summary>The learner incarnation (see <see cref="LearnerLineage"/>); 0 where the kind has none.</summary>
    public ulong Epoch;
    public ulong Credit;

    /// <summary>Bytes of the whole message: header, run name, payload.</summary>
    public static int MessageLength(ReadOnlySpan<byte> runNameUtf8, int payloadLength) => Size + runNameUtf8.Length + payloadLength;

    /// <summary>
    /// Writes the header and run name into <paramref name="message"/>, whose payload (at <see cref="PayloadOffset"/>)
    /// must already be in place: the payload CRC is computed here.
    /// </summary>
    public readonly void Write(Span<byte> message, ReadOnlySpan<byte> runNameUtf8)
    {
        var payload = message.Slice(Size + runNameUtf8.Length, PayloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(message, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(message[4..], FormatVersion);
        message[6] = (byte)Kind;
        message[7] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(message[8..], (ushort)runNameUtf8.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message[10..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(message[12..], PayloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(message[16..], ActorId);
        BinaryPrimitives.WriteUInt64LittleEndian(message[24..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(message[32..], PolicyVersion);
        BinaryPrimitives.WriteInt32LittleEndian(message[40..], CountA);
        BinaryPrimitives.WriteInt32LittleEndian(message[44..], CountB);
        BinaryPrimitives.WriteInt32LittleEndian(message[48..], CountC);
        BinaryPrimitives.WriteInt32LittleEndian(message[52..], CountD);
        BinaryPrimitives.WriteUInt64LittleEndian(message[56..], Epoch);
        BinaryPrimitives.WriteUInt64LittleEndian(message[64..], Credit);
        BinaryPrimitives.WriteUInt32LittleEndian(message[PayloadCrcOffset..], Crc32C.Compute(payload));
        runNameUtf8.CopyTo(message[Size..]);
        BinaryPrimitives.WriteUInt32LittleEndian(message[HeaderCrcOffset..], HeaderCrc(message, runNameUtf8.Length));
    }

    public static int PayloadOffset(ReadOnlySpan<byte> runNameUtf8) => Size + runNameUtf8.Length;

    /// <summary>
    /// Reads and checks the header of <paramref name="message"/>: length, magic, version, header CRC, kind, run name,
    /// total length and payload CRC, in that order (each check trusts only what the previous ones proved).
    /// </summary>
    /// <param name="expectedKind">the kind this reader handles, or null for a reader of several kinds</param>
    public static DecodeResult TryRead(ReadOnlySpan<byte> message, MessageKind? expectedKind, ReadOnlySpan<byte> expectedRunUtf8,
        out MessageHeader header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        if (message.Length < Size)
            return DecodeResult.Fail(RejectReason.Truncated, $"{message.Length} bytes is shorter than the {Size}-byte header.");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(message);
        if (magic != Magic)
            return DecodeResult.Fail(RejectReason.BadMagic, $"magic 0x{magic:X8} is not 0x{Magic:X8} (\"DLGT\").");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
        if (version != FormatVersion)
            return DecodeResult.Fail(RejectReason.UnsupportedVersion, $"format version {version}; this build reads only version {FormatVersion}.");
        int runLength = BinaryPrimitives.ReadUInt16LittleEndian(message[8..]);
        if (runLength > MaxRunNameBytes || message.Length < Size + runLength)
            return runLength > MaxRunNameBytes
                ? DecodeResult.Fail(RejectReason.BadLength, $"run name of {runLength} bytes is longer than {MaxRunNameBytes}.")
                : DecodeResult.Fail(RejectReason.Truncated, $"{message.Length} bytes cannot hold the header and a {runLength}-byte run name.");
        var storedHeaderCrc = BinaryPrimitives.ReadUInt32LittleEndian(message[HeaderCrcOffset..]);
        var headerCrc = HeaderCrc(message, runLength);
        if (storedHeaderCrc != headerCrc)
            return DecodeResult.Fail(RejectReason.BadHeaderChecksum, $"header CRC-32C 0x{storedHeaderCrc:X8} does not match the computed 0x{headerCrc:X8}.");

        var kind = (MessageKind)message[6];
        if (!Enum.IsDefined(kind) || (expectedKind is { } expected && kind != expected))
            return DecodeResult.Fail(RejectReason.WrongKind, $"a message of kind {(byte)kind} ({kind}) where {expectedKind?.ToString() ?? "a known kind"} was expected.");
        var run = message.Slice(Size, runLength);
        if (!run.SequenceEqual(expectedRunUtf8))
            return DecodeResult.Fail(RejectReason.WrongRun, $"run '{Encoding.UTF8.GetString(run)}' is not this run '{Encoding.UTF8.GetString(expectedRunUtf8)}'.");

        header.Kind = kind;
        header.Flags = message[7];
        header.PayloadLength = BinaryPrimitives.ReadInt32LittleEndian(message[12..]);
        header.ActorId = BinaryPrimitives.ReadUInt64LittleEndian(message[16..]);
        header.Sequence = BinaryPrimitives.ReadUInt64LittleEndian(message[24..]);
        header.PolicyVersion = BinaryPrimitives.ReadInt64LittleEndian(message[32..]);
        header.CountA = BinaryPrimitives.ReadInt32LittleEndian(message[40..]);
        header.CountB = BinaryPrimitives.ReadInt32LittleEndian(message[44..]);
        header.CountC = BinaryPrimitives.ReadInt32LittleEndian(message[48..]);
        header.CountD = BinaryPrimitives.ReadInt32LittleEndian(message[52..]);
        header.Epoch = BinaryPrimitives.ReadUInt64LittleEndian(message[56..]);
        header.Credit = BinaryPrimitives.ReadUInt64LittleEndian(message[64..]);

        var available = message.Length - Size - runLength;
        if (header.PayloadLength < 0 || header.PayloadLength != available)
            return header.PayloadLength > available
                ? DecodeResult.Fail(RejectReason.Truncated, $"the header announces a {header.PayloadLength}-byte payload; {available} bytes arrived.")
                : DecodeResult.Fail(RejectReason.BadLength, $"the header announces a {header.PayloadLength}-byte payload; {available} bytes arrived.");
        payload = message.Slice(Size + runLength, header.PayloadLength);
        var storedPayloadCrc = BinaryPrimitives.ReadUInt32LittleEndian(message[PayloadCrcOffset..]);
        var payloadCrc = Crc32C.Compute(payload);
        if (storedPayloadCrc != payloadCrc)
            return DecodeResult.Fail(RejectReason.BadPayloadChecksum, $"payload CRC-32C 0x{storedPayloadCrc:X8} does not match the computed 0x{payloadCrc:X8}.");
        return DecodeResult.Ok;
    }

    static uint HeaderCrc(ReadOnlySpan<byte> message, int runLength) =>
        ~Crc32C.Update(Crc32C.Update(~0u, message[..HeaderCrcOffset]), message.Slice(Size, runLength));
}
