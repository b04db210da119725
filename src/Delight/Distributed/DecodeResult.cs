namespace Delight.Distributed;

/// <summary>
/// The outcome of decoding a message: <see cref="RejectReason.None"/>, or a machine-readable reason and a one-line
/// human message. Decoders return this instead of throwing: bad input from the network is expected, not exceptional.
/// </summary>
public readonly record struct DecodeResult(RejectReason Reason, string Message)
{
    public static DecodeResult Ok => default;
    public bool IsValid => Reason == RejectReason.None;
    public static DecodeResult Fail(RejectReason reason, string message) => new(reason, message);
    public override string ToString() => IsValid ? "ok" : $"{Reason.WireName()}: {Message}";
}
