using System.CommandLine;
using System.Globalization;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight train [--config FILE] [options] --out DIR</summary>
static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<string?>("--config") { Description = "YAML or JSON file of options (keys are these flags without dashes); flags given here override it." };
        var outDir = new Option<string>("--out") { Description = "Run folder: config.json, metrics.jsonl, metrics.csv, summary.json, checkpoints.", DefaultValueFactory = _ => "runs/latest" };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary." };
        var binder = new TrainOptionsBinder();
        var command = new Command("train", "Train a policy and write a run folder (metrics, summary, checkpoints).") { config, outDir, quiet };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var start = parse.GetValue(config) is { } file ? OptionsFile.Load(file) : new TrainOptions();
            var options = binder.Bind(parse, start);
            return Train(options, parse.GetValue(outDir)!, parse.GetValue(quiet), output);
        });
        return command;
    }

    public static int Train(TrainOptions options, string outDir, bool quiet, TextWriter output)
    {
        options.Validate(); // before the folder is touched: bad input writes nothing
        var runtime = TrainingRuntimes.Create(options);
        using var run = RunFolder.Create(outDir);
        run.WriteConfig(options);
        var session = runtime.Session;
        if (!quiet)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"train {options.Task.Name} with {KebabCase.Of(options.Loss.Method)} ({KebabCase.Of(options.Runtime.Kind)}): {options.Steps} steps, batch {options.PromptsPerBatch}×{options.SamplesPerPrompt}, {session.Policy.Parameters.Count} parameters ({session.Policy.Kind}), seed {options.Seed}"));
        return RunLoop.Run(runtime, run, outDir, quiet, output);
    }
}
