using Delight.Runtime;

namespace Delight.Cli;

/// <summary>
/// Which exceptions are the user's input or environment (one line, exit 2) rather than our bugs (stack trace, a request
/// for a bug report, exit 70), decided by the exception's type alone. A bug printed as one tidy line would hide it, so
/// the list is narrow: the exception types Delight throws on purpose for bad input (an <see cref="OptionException"/>
/// naming the flag, a damaged checkpoint, MNIST files or run folder, an unreachable broker, a diverged run) and
/// file-system errors. Every other exception — an <see cref="ArgumentException"/> included, whether .NET or a Delight
/// library check threw it — means the CLI let bad input through to code that does not expect it, or a real bug: it keeps
/// its stack trace.
/// </summary>
static class CliErrors
{
    /// <summary>Exit code of an unexpected exception (sysexits EX_SOFTWARE: an internal error).</summary>
    public const int BugExitCode = 70;
    public const string BugReport = "delight: this is a bug in delight, not a problem with your input; please report it to the Delight maintainers (the issue tracker) with the command line and the trace above.";

    public static bool IsUserError(Exception e) => e switch
    {
        OptionException or Checkpoints.CheckpointException or Environments.MnistDataException or Reports.RunFormatException
            or Distributed.BrokerException or DivergedException => true,
        UnauthorizedAccessException => true,
        EndOfStreamException => false, // a truncated file Delight failed to report as damaged
        IOException => true,
        _ => false,
    };

    /// <summary>The one line shown: the message, which names the flag or file, the value and the fix.</summary>
    public static string Describe(Exception e) => e.Message;
}
