namespace Delight.Distributed;

/// <summary>
/// A learner's permission to sample one batch: its id, the learner epoch that granted it, and the oldest policy version
/// the batch may be sampled with (the learner's version when it granted the credit).
/// </summary>
public readonly record struct Credit(ulong Id, ulong Epoch, long MinVersion);

/// <summary>
/// Codec for <see cref="MessageKind.Credit"/>: header epoch, credit id and policy version (the minimum); no payload.
/// </summary>
public static class CreditMessage
{
    public static void Encode(RunName run, Credit credit, MessageBuffer buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(credit.MinVersion);
        var header = new MessageHeader { Kind = MessageKind.Credit, Epoch = credit.Epoch, Credit = credit.Id, PolicyVersion = credit.MinVersion };
        var runName = run.Utf8.Span;
        var message = buffer.Reset(MessageHeader.MessageLength(runName, 0));
        header.Write(message, runName);
    }

    public static DecodeResult Decode(ReadOnlySpan<byte> message, RunName run, out Credit credit)
    {
        credit = default;
        var result = MessageHeader.TryRead(message, MessageKind.Credit, run.Utf8.Span, out var header, out _);
        if (!result.IsValid) return result;
        if (header.PayloadLength != 0) return DecodeResult.Fail(RejectReason.BadLength, $"a credit has no payload; this one has {header.PayloadLength} bytes.");
        if (header.PolicyVersion < 0) return DecodeResult.Fail(RejectReason.BadField, $"minimum version {header.PolicyVersion} is negative.");
        credit = new Credit(header.Credit, header.Epoch, header.PolicyVersion);
        return DecodeResult.Ok;
    }
}
