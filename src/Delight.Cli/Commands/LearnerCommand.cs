using System.CommandLine;
using System.Globalization;
using Delight.Distributed;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight learner --broker URI --run NAME [--config FILE] [options] --out DIR [--resume]</summary>
static class LearnerCommand
{
    public static Command Create(TextWriter output)
    {
        var broker = BrokerFlags.Broker();
        var run = BrokerFlags.Run();
        var config = new Option<string?>("--config") { Description = "YAML or JSON file of options (keys are these flags without dashes); flags given here override it." };
        var outDir = new Option<string>("--out") { Description = "Run folder: config.json, metrics.jsonl, metrics.csv, summary.json, checkpoints.", DefaultValueFactory = _ => "runs/latest" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint (its config.json; --steps may raise the target)." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary." };
        var binder = new TrainOptionsBinder();
        var command = new Command("learner", "Learn from remote actors' rollouts through a RabbitMQ broker; publishes parameters every step.")
            { broker, run, config, outDir, resume, quiet };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var brokerOptions = new BrokerOptions(parse.GetValue(broker)!);
            var runName = BrokerFlags.ParseRun(parse.GetValue(run)!);
            var folder = parse.GetValue(outDir)!;
            if (parse.GetValue(resume)) return Resume(folder, brokerOptions, runName, parse, binder, parse.GetValue(quiet), output);
            var start = parse.GetValue(config) is { } file ? OptionsFile.Load(file) : new TrainOptions();
            return Start(binder.Bind(parse, start), folder, brokerOptions, runName, parse.GetValue(quiet), output);
        });
        return command;
    }

    static int Start(TrainOptions options, string outDir, BrokerOptions broker, RunName run, bool quiet, TextWriter output)
    {
        options.Validate(); // before the folder is touched: bad input writes nothing
        var runtime = new BrokerRuntime(options, broker, run);
        using var folder = RunFolder.Create(outDir);
        folder.WriteConfig(options);
        if (!quiet)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"learner for run '{run}' on {broker.Uri.Split('@')[^1]}: {options.Task} with {options.Method}, {options.Steps} steps, batch {options.PromptsPerBatch}×{options.SamplesPerPrompt}, {runtime.Session.Policy.Parameters.Count} parameters, --max-lag {options.MaxLag}"));
        return RunLoop.Run(runtime, folder, outDir, quiet, output);
    }

    /// <summary>The run's own config.json; of the flags only --steps may change (anything else would be another run).</summary>
    static int Resume(string outDir, BrokerOptions broker, RunName run, ParseResult parse, TrainOptionsBinder binder, bool quiet, TextWriter output)
    {
        var configPath = Path.Combine(outDir, RunFolder.ConfigFile);
        if (!File.Exists(configPath))
            throw new OptionException("--resume", $"'{outDir}' has no {RunFolder.ConfigFile}, so there is no run to continue; drop --resume to start one, or give its --out folder.");
        var saved = ConfigFile.Load(configPath);
        var options = saved with { Steps = binder.Bind(parse, saved).Steps };
        options.Validate();
        return ResumeCommand.Continue(new BrokerRuntime(options, broker, run), outDir, $"learner for run '{run}': resume {outDir}", quiet, output);
    }
}
