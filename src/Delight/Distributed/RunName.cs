using System.Text;

namespace Delight.Distributed;

/// <summary>
/// A run's name, checked once: it becomes part of queue and exchange names (<c>delight.&lt;run&gt;.rollouts</c>) and is
/// written into every message, so a stray actor of another run is refused. Its UTF-8 bytes are kept so that encoding
/// and comparing never allocate.
/// </summary>
public sealed class RunName
{
    public const int MaxLength = 100;

    public string Value { get; }
    public ReadOnlyMemory<byte> Utf8 { get; }

    public RunName(string value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !value.All(IsAllowed))
            throw new ArgumentException(
                $"run name '{value}' must be 1..{MaxLength} characters of A-Z, a-z, 0-9, '-', '_' or '.' (it names broker queues).",
                nameof(value));
        Value = value;
        Utf8 = Encoding.UTF8.GetBytes(value);
    }

    static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    public override string ToString() => Value;
}
