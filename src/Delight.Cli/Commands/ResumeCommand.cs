using System.CommandLine;
using System.Globalization;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight resume RUN_DIR [--steps N]: continue a run from its last checkpoint to N total steps.</summary>
static class ResumeCommand
{
    public static Command Create(TextWriter output)
    {
        var folder = new Argument<string>("RUN_DIR") { Description = "A run folder written by 'delight train' (config.json and state.safetensors)." };
        var steps = new Option<int?>("--steps") { Description = "Total steps to reach (default: the run's own --steps)." }.Within(1, 1e8);
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary." };
        var command = new Command("resume", "Continue a run from its last checkpoint; in the sync runtime the continuation equals an uninterrupted run.") { folder, steps, quiet };
        command.SetAction(parse => Resume(parse.GetValue(folder)!, parse.GetValue(steps), parse.GetValue(quiet), output));
        return command;
    }

    public static int Resume(string folder, int? steps, bool quiet, TextWriter output)
    {
        var configPath = Path.Combine(folder, RunFolder.ConfigFile);
        if (!Directory.Exists(folder)) throw new OptionException("RUN_DIR", $"run folder '{folder}' does not exist; give the --out folder of a 'delight train' run.");
        if (!File.Exists(configPath)) throw new OptionException("RUN_DIR", $"'{folder}' has no {RunFolder.ConfigFile}, so it is not a run folder (or was written by an older Delight); start a new run.");
        var options = ConfigFile.Load(configPath);
        if (steps is { } n) options = options with { Steps = n };
        options.Validate();
        return Continue(TrainingRuntimes.Create(options), folder, $"resume {folder}", quiet, output);
    }

    /// <summary>
    /// Restores <paramref name="runtime"/> from the run folder's checkpoint and trains on to its --steps: what
    /// `delight resume` and `delight learner --resume` share.
    /// </summary>
    /// <param name="restored">the caller restored the checkpoint already (the learner does, before it connects)</param>
    public static int Continue(ITrainingRuntime runtime, string folder, string label, bool quiet, TextWriter output, bool restored = false, CtrlC? ctrlC = null)
    {
        var options = runtime.Session.Options;
        if (!restored) Checkpoint.Restore(runtime, folder);
        var done = runtime.Session.StepsDone;
        if (done >= options.Steps)
            throw new OptionException("--steps", $"the run is already at step {done}; pass --steps larger than {done} to continue it.");
        using var run = RunFolder.Continue(folder, done);
        run.WriteConfig(options);
        if (!quiet) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label} at step {done} → {options.Steps} ({KebabCase.Of(options.Runtime.Kind)})"));
        return RunLoop.Run(runtime, run, folder, quiet, output, ctrlC);
    }
}
