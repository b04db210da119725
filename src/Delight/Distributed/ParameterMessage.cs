namespace Delight.Distributed;

/// <summary>
/// Codec for <see cref="MessageKind.Parameters"/>: one policy version's whole parameter buffer. Header: policy version;
/// count A = parameter count (floats); count B = layout fingerprint (<see cref="ParameterLayout"/>). Payload:
/// float32[count].
/// </summary>
public static class ParameterMessage
{
    public static void Encode(RunName run, long version, ParameterLayout layout, ReadOnlySpan<float> parameters, MessageBuffer buffer) =>
        Encode(run, new PolicyStamp(0, version), layout, parameters, buffer);

    /// <summary>Encodes version <paramref name="stamp"/> (learner epoch and version) of the parameters.</summary>
    public static void Encode(RunName run, PolicyStamp stamp, ParameterLayout layout, ReadOnlySpan<float> parameters, MessageBuffer buffer)
    {
        var version = stamp.Version;
        if (parameters.Length != layout.BufferLength)
            throw new ArgumentException($"{parameters.Length} parameters for a layout of {layout}.", nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        var header = new MessageHeader
        {
            Kind = MessageKind.Parameters,
            PayloadLength = parameters.Length * sizeof(float),
            PolicyVersion = version,
            CountA = layout.BufferLength,
            CountB = unchecked((int)layout.Fingerprint),
            Epoch = stamp.Epoch,
        };
        var runName = run.Utf8.Span;
        var message = buffer.Reset(MessageHeader.MessageLength(runName, header.PayloadLength));
        LittleEndian.Write(parameters, message[MessageHeader.PayloadOffset(runName)..]);
        header.Write(message, runName);
    }

    /// <summary>
    /// Checks <paramref name="message"/> (framing, checksums, run, finite values) and reads its version and layout
    /// without copying the floats; <see cref="CopyParameters"/> then copies them where the caller wants.
    /// </summary>
    public static DecodeResult Validate(ReadOnlySpan<byte> message, RunName run, out PolicyStamp stamp, out ParameterLayout layout)
    {
        stamp = new PolicyStamp(0, -1);
        layout = default;
        var result = MessageHeader.TryRead(message, MessageKind.Parameters, run.Utf8.Span, out var header, out var payload);
        if (!result.IsValid) return result;
        if (header.PolicyVersion < 0) return DecodeResult.Fail(RejectReason.BadField, $"policy version {header.PolicyVersion} is negative.");
        if (header.CountA < 0 || (long)header.CountA * sizeof(float) != header.PayloadLength)
            return DecodeResult.Fail(RejectReason.BadLength, $"{header.CountA} parameters cannot fill a {header.PayloadLength}-byte payload.");
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(payload);
        for (var i = 0; i < values.Length; i++)
        {
            // A float is NaN or infinite exactly when its exponent bits are all ones.
            var bits = BitConverter.IsLittleEndian ? values[i] : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(values[i]);
            if ((bits & 0x7F800000) == 0x7F800000)
                return DecodeResult.Fail(RejectReason.NonFiniteParameter, $"parameter {i} is {BitConverter.Int32BitsToSingle(bits)}.");
        }
        stamp = new PolicyStamp(header.Epoch, header.PolicyVersion);
        layout = new ParameterLayout(header.CountA, unchecked((uint)header.CountB));
        return DecodeResult.Ok;
    }

    /// <summary>
    /// Copies the floats of a message that passed Validate into <paramref name="destination"/>, after
    /// checking its layout against the receiving policy's.
    /// </summary>
    public static DecodeResult CopyParameters(ReadOnlySpan<byte> validatedMessage, ParameterLayout received, ParameterLayout expected, Span<float> destination)
    {
        if (received != expected)
            return DecodeResult.Fail(RejectReason.WrongLayout, $"parameters of {received}; this policy has {expected}.");
        if (destination.Length != expected.BufferLength)
            throw new ArgumentException($"destination of {destination.Length} floats for a layout of {expected}.", nameof(destination));
        var payloadOffset = validatedMessage.Length - expected.BufferLength * sizeof(float);
        LittleEndian.Read(validatedMessage[payloadOffset..], destination);
        return DecodeResult.Ok;
    }
}
