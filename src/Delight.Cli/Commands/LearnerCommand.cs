using System.CommandLine;
using System.Globalization;
using Delight.Distributed;
using Delight.Experiments;
using Delight.RabbitMq;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight learner --broker URI --run NAME [--config FILE] [options] --out DIR [--resume]</summary>
static class LearnerCommand
{
    /// <summary>The learner's --checkpoint-every when none is given: it acknowledges rollouts at checkpoints.</summary>
    public const int DefaultCheckpointEvery = 100;

    public static Command Create(TextWriter output)
    {
        var broker = BrokerFlags.Broker();
        var brokerFile = BrokerFlags.BrokerFile();
        var run = BrokerFlags.Run();
        var config = new Option<string?>("--config") { Description = "YAML or JSON file of options (keys are these flags without dashes); flags given here override it." };
        var outDir = new Option<string>("--out") { Description = "Run folder: config.json, metrics.jsonl, metrics.csv, rollouts.csv, summary.json, checkpoints.", DefaultValueFactory = _ => "runs/latest" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint (its config.json; --steps may raise the target)." };
        var credits = new Option<int>("--credits")
        {
            Description = "Batches in flight: actors sample only against a credit, so they produce what the learner applies (2 keeps the learner busy).",
            DefaultValueFactory = _ => new DistributedLearnerOptions().Credits,
        }.Within(1, DistributedLearnerOptions.MaxCredits);
        var lockWait = new Option<double>("--lock-wait")
        {
            Description = "Seconds to wait for a run another learner holds (a crashed predecessor's connection takes a heartbeat to drop) before refusing.",
            DefaultValueFactory = _ => new DistributedLearnerOptions().LockWait.TotalSeconds,
        }.Within(0, 3600);
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary." };
        var binder = new TrainOptionsBinder();
        var command = new Command("learner", $"Learn from remote actors' rollouts through a RabbitMQ broker; publishes parameters every step and checkpoints every --checkpoint-every steps (default {DefaultCheckpointEvery}).")
            { broker, brokerFile, run, config, outDir, resume, credits, lockWait, quiet };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var brokerOptions = BrokerFlags.Resolve(parse, broker, brokerFile);
            var runName = BrokerFlags.ParseRun(parse.GetValue(run)!);
            var folder = parse.GetValue(outDir)!;
            var seconds = parse.GetValue(lockWait);
            var distributed = new DistributedLearnerOptions
            {
                Credits = parse.GetValue(credits),
                LockWait = TimeSpan.FromSeconds(seconds),
                RunFolder = folder,
                Log = output,
            };
            var learner = new Learner(brokerOptions, runName, folder, distributed, parse.GetValue(quiet), output);
            if (parse.GetValue(resume)) return learner.Resume(parse, binder);
            var start = parse.GetValue(config) is { } file ? OptionsFile.Load(file) : new TrainOptions();
            return learner.Start(WithLearnerDefaults(binder.Bind(parse, start)));
        });
        return command;
    }

    /// <summary>0 (the train default, "only at the end") means "not given" here: the learner needs checkpoints.</summary>
    static TrainOptions WithLearnerDefaults(TrainOptions options) =>
        options.Output.CheckpointEvery == 0 ? options with { Output = options.Output with { CheckpointEvery = DefaultCheckpointEvery } } : options;

    sealed class Learner(BrokerOptions broker, RunName run, string outDir, DistributedLearnerOptions distributed, bool quiet, TextWriter output)
    {
        public int Start(TrainOptions options)
        {
            options.Validate(); // before the broker or the folder is touched: bad input writes nothing
            if (LeftByFailedStart(outDir))
            {
                output.WriteLine($"learner: '{outDir}' holds a run that never reached a checkpoint; starting it again there.");
                File.Delete(Path.Combine(outDir, RunFolder.ConfigFile));
            }
            using var ctrlC = CtrlC.Listen();
            var runtime = Connect(options, ctrlC);
            if (runtime is null) return 130;
            using var folder = RunFolder.Create(outDir);
            folder.WriteConfig(options);
            if (!quiet)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"learner for run '{run}' (epoch {runtime.Epoch:x16}): {options.Task.Name} with {KebabCase.Of(options.Loss.Method)}, {options.Steps} steps, batch {options.PromptsPerBatch}×{options.SamplesPerPrompt}, {runtime.Session.Policy.Parameters.Count} parameters, --max-lag {options.Runtime.MaxLag}, {distributed.Credits} credits, checkpoint every {options.Output.CheckpointEvery}"));
            return RunLoop.Run(runtime, folder, outDir, quiet, output, ctrlC);
        }

        /// <summary>The run's own config.json; of the flags only --steps may change (anything else would be another run).</summary>
        public int Resume(ParseResult parse, TrainOptionsBinder binder)
        {
            var configPath = Path.Combine(outDir, RunFolder.ConfigFile);
            if (!File.Exists(configPath))
                throw new OptionException("--resume", $"'{outDir}' has no {RunFolder.ConfigFile}, so there is no run to continue; drop --resume to start one, or give its --out folder.");
            var saved = ConfigFile.Load(configPath);
            var options = WithLearnerDefaults(saved with { Steps = binder.Bind(parse, saved).Steps });
            options.Validate();
            if (LeftByFailedStart(outDir))
            {
                output.WriteLine($"learner: '{outDir}' never reached a checkpoint; starting its run from step 0.");
                File.Delete(configPath);
                return Start(options);
            }
            using var ctrlC = CtrlC.Listen();
            var runtime = new RemoteLearnerRuntime(options, new RabbitMqConnector(broker), run, distributed);
            Checkpoint.Restore(runtime, outDir);
            if (!TryConnect(runtime, ctrlC)) return 130;
            return ResumeCommand.Continue(runtime, outDir, $"learner for run '{run}' (epoch {runtime.Epoch:x16}): resume {outDir}", quiet, output, restored: true, ctrlC);
        }

        RemoteLearnerRuntime? Connect(TrainOptions options, CtrlC ctrlC)
        {
            var runtime = new RemoteLearnerRuntime(options, new RabbitMqConnector(broker), run, distributed);
            return TryConnect(runtime, ctrlC) ? runtime : null;
        }

        /// <summary>Reaches the broker and takes the run before anything is written; false when Ctrl-C came first.</summary>
        static bool TryConnect(RemoteLearnerRuntime runtime, CtrlC ctrlC)
        {
            try
            {
                runtime.Connect(ctrlC.Token);
                return true;
            }
            catch (OperationCanceledException) when (ctrlC.Token.IsCancellationRequested)
            {
                runtime.Dispose();
                return false;
            }
        }

        /// <summary>A folder with a config but no checkpoint and no summary: a learner that died before its first checkpoint.</summary>
        static bool LeftByFailedStart(string folder) =>
            File.Exists(Path.Combine(folder, RunFolder.ConfigFile))
            && !File.Exists(Path.Combine(folder, Checkpoint.StateFile))
            && !File.Exists(Path.Combine(folder, RunFolder.SummaryFile));
    }
}
