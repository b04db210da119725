using Delight.Runtime;

namespace Delight.Cli;

/// <summary>Which exceptions are the user's input (one line, exit 2) rather than our bugs (stack trace).</summary>
static class CliErrors
{
    public static bool IsUserError(Exception e) => e is OptionException or ArgumentException or FormatException
        or IOException or UnauthorizedAccessException or Checkpoints.CheckpointException or Environments.MnistDataException
        or Distributed.BrokerException or DivergedException;

    public static string Describe(Exception e) => e switch
    {
        // ArgumentException appends " (Parameter 'x')"; the message already names the value and the fix.
        ArgumentException a when a.ParamName is not null => a.Message.Replace($" (Parameter '{a.ParamName}')", ""),
        _ => e.Message,
    };
}
