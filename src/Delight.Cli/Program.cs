using System.CommandLine;
using Delight.Cli.Commands;

namespace Delight.Cli;

/// <summary>The `delight` tool: one subcommand per job.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Parses and runs; bad input prints one line naming the problem and the fix, and returns 2.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Delight: robust, distributed policy-gradient reinforcement learning (DG, Kondo gate).")
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
            LearnerCommand.Create(output),
            ActorCommand.Create(output),
            StatusCommand.Create(output),
            SweepCommand.Create(output),
        };
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
    }
}
