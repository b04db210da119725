using System.CommandLine;
using Delight.Cli.Commands;

namespace Delight.Cli;

/// <summary>The `delight` tool: one subcommand per job.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Parses and runs; bad input prints one line naming the problem and the fix, and returns 2. Anything else is a
    /// bug: its stack trace and a request for a report, exit 70.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = CreateRoot(output);
        // --version prints this tool's version, whichever assembly hosts it (System.CommandLine's reads the entry assembly).
        foreach (var option in root.Options)
            if (option is VersionOption version) version.Action = new PrintVersion(output);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command.Name;
            error.WriteLine($"delight: error: {parse.Errors[0].Message} (see 'delight {(command == root.Name ? "" : command + " ")}--help')");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            error.WriteLine($"delight: error: {CliErrors.Describe(e)}");
            return 2;
        }
        catch (Exception e)
        {
            error.WriteLine(e.ToString());
            error.WriteLine(CliErrors.BugReport);
            return CliErrors.BugExitCode;
        }
    }

    /// <summary>Every command with its flags (the tests walk it to find every numeric flag).</summary>
    internal static RootCommand CreateRoot(TextWriter output) =>
        new("Delight: robust, distributed policy-gradient reinforcement learning (DG, Kondo gate).")
        {
            TrainCommand.Create(output),
            ResumeCommand.Create(output),
            DemoCommand.Create(output),
            InitCommand.Create(output),
            LogProbsCommand.Create(output),
            BenchCommand.Create(output),
            DataCommand.Create(output),
            ReportCommand.Create(output),
            ReproduceCommand.Create(output),
            ResultsCommand.Create(output),
            LearnerCommand.Create(output),
            ActorCommand.Create(output),
            StatusCommand.Create(output),
            SweepCommand.Create(output),
        };
}

/// <summary>The package version and the commit it was built from (the informational version), e.g. 0.1.0+1a2b3c….</summary>
sealed class PrintVersion(TextWriter output) : System.CommandLine.Invocation.SynchronousCommandLineAction
{
    public static string Version { get; } = typeof(PrintVersion).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
        .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;

    public override int Invoke(ParseResult parseResult)
    {
        output.WriteLine(Version);
        return 0;
    }
}
