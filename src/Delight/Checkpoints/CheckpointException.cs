namespace Delight.Checkpoints;

/// <summary>
/// A checkpoint could not be saved or loaded. The message is one line: the file, what is wrong with it, and what to
/// do about it, e.g. <c>checkpoint 'run/policy.safetensors': tensor 'head.weight' has shape [3, 64] but the model
/// expects [2, 64]; ...</c>.
/// </summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string path, string problem, Exception? innerException = null)
        : base(OneLine($"checkpoint '{path}': {problem}"), innerException)
    {
        Path = path;
    }

    /// <summary>The checkpoint path as the caller gave it.</summary>
    public string Path { get; }

    /// <summary>Control characters (newlines from a foreign file or an OS message) become spaces.</summary>
    static string OneLine(string message)
    {
        if (!message.Any(char.IsControl)) return message;
        return string.Create(message.Length, message, static (span, m) =>
        {
            for (var i = 0; i < m.Length; i++) span[i] = char.IsControl(m[i]) ? ' ' : m[i];
        });
    }
}
