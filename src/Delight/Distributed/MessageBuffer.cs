namespace Delight.Distributed;

/// <summary>
/// One reusable byte buffer per sender: grows to the largest message seen and is then reused, so encoding the same
/// shape every step allocates nothing. Not thread-safe; a buffer belongs to one sender.
/// </summary>
public sealed class MessageBuffer
{
    byte[] _bytes = [];

    /// <summary>The encoded message (valid until the next encode into this buffer).</summary>
    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, Length);
    public int Length { get; private set; }

    /// <summary>A span of exactly <paramref name="length"/> bytes to encode into; its content is unspecified.</summary>
    public Span<byte> Reset(int length)
    {
        if (_bytes.Length < length) _bytes = new byte[Math.Max(length, _bytes.Length * 2)];
        Length = length;
        return _bytes.AsSpan(0, length);
    }

    /// <summary>The written bytes, writable: for tests that corrupt a message on purpose.</summary>
    internal Span<byte> WrittenSpan => _bytes.AsSpan(0, Length);
}
