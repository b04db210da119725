namespace Delight.Runtime;

/// <summary>
/// A bad option value, thrown where the value is checked (the component that reads it): <see cref="Option"/> is the
/// flag as the command line spells it (<c>--bug-prob</c>), a name of <see cref="OptionTable"/>, and the message names
/// the flag, the value and the fix. The only exception the CLI shows as a one-line user error about options; an
/// <see cref="ArgumentException"/> so library callers that pass options in code may catch it as one.
/// </summary>
public sealed class OptionException(string option, string message) : ArgumentException(message)
{
    public string Option { get; } = option;
}
