using System.Reflection;
using Delight.Runtime;

namespace Delight.Cli;

/// <summary>
/// Which exceptions are the user's input or environment (one line, exit 2) rather than our bugs (stack trace, a request
/// for a bug report, exit 70). A bug printed as one tidy line would hide it, so the list is narrow: our own input
/// exceptions, file-system errors, and an <see cref="ArgumentException"/> or <see cref="FormatException"/> only when
/// Delight's own validation threw it (its message names the value and the fix). The same exception types thrown
/// inside the .NET libraries (an index past a span, a null argument) are bugs in how we called them.
/// </summary>
static class CliErrors
{
    /// <summary>Exit code of an unexpected exception (sysexits EX_SOFTWARE: an internal error).</summary>
    public const int BugExitCode = 70;
    public const string BugReport = "delight: this is a bug in delight, not a problem with your input; please report it to the Delight maintainers (the issue tracker) with the command line and the trace above.";

    public static bool IsUserError(Exception e) => e switch
    {
        OptionException or Checkpoints.CheckpointException or Environments.MnistDataException or Distributed.BrokerException
            or DivergedException => true,
        UnauthorizedAccessException => true,
        EndOfStreamException => false,
        IOException => true,
        ArgumentNullException => false,
        ArgumentException or FormatException => ThrownByDelight(e),
        _ => false,
    };

    public static string Describe(Exception e) => e switch
    {
        // ArgumentException appends " (Parameter 'x')"; the message already names the value and the fix.
        ArgumentException a when a.ParamName is not null => a.Message.Replace($" (Parameter '{a.ParamName}')", ""),
        _ => e.Message,
    };

    static bool ThrownByDelight(Exception e) =>
        e.TargetSite?.DeclaringType?.Assembly is Assembly a && a.GetName().Name is { } name && name.StartsWith("Delight", StringComparison.Ordinal);
}
