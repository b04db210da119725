using Delight.Cli;

namespace Delight.Test.Cli;

/// <summary>The `delight` tool run in-process, as a user would call it: its exit code, standard output and standard error.</summary>
static class InProcessCli
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
