using System.Text;

namespace Delight.Distributed;

/// <summary>A decoded control message: its kind, the actor that sent it (hello) and its UTF-8 text (config JSON, finish reason).</summary>
public readonly record struct Control(MessageKind Kind, ulong ActorId, string Text);

/// <summary>
/// Codec for the small control messages: <see cref="MessageKind.Config"/> (payload: the run's configuration, opaque
/// UTF-8 JSON), <see cref="MessageKind.Finished"/> (payload: a UTF-8 reason, may be empty) and
/// <see cref="MessageKind.Hello"/> (actor id in the header, empty payload). Rare, so decoding allocates the string.
/// </summary>
public static class ControlMessage
{
    static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Encode(RunName run, MessageKind kind, ulong actorId, string text, MessageBuffer buffer)
    {
        if (kind is not (MessageKind.Config or MessageKind.Finished or MessageKind.Hello))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "a control message is Config, Finished or Hello.");
        var header = new MessageHeader { Kind = kind, ActorId = actorId, PayloadLength = Encoding.UTF8.GetByteCount(text) };
        var runName = run.Utf8.Span;
        var message = buffer.Reset(MessageHeader.MessageLength(runName, header.PayloadLength));
        Encoding.UTF8.GetBytes(text, message[MessageHeader.PayloadOffset(runName)..]);
        header.Write(message, runName);
    }

    public static DecodeResult Decode(ReadOnlySpan<byte> message, RunName run, out Control control)
    {
        control = default;
        var result = MessageHeader.TryRead(message, expectedKind: null, run.Utf8.Span, out var header, out var payload);
        if (!result.IsValid) return result;
        if (header.Kind is not (MessageKind.Config or MessageKind.Finished or MessageKind.Hello))
            return DecodeResult.Fail(RejectReason.WrongKind, $"a {header.Kind} message where a control message was expected.");
        string text;
        try { text = s_strictUtf8.GetString(payload); }
        catch (DecoderFallbackException e) { return DecodeResult.Fail(RejectReason.BadField, $"payload is not valid UTF-8: {e.Message}"); }
        control = new Control(header.Kind, header.ActorId, text);
        return DecodeResult.Ok;
    }
}
