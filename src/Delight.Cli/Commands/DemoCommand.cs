using System.CommandLine;
using System.Globalization;
using Delight.Experiments.Sweeps;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// delight demo: the distributed paper's point in a few minutes on one machine — PG and DG on token reversal with all
/// four frictions at once (stale actors, buggy actors, corrupted rewards, rare discoveries), several seeds, runs two
/// at a time (a sweep over the method), then one HTML report comparing them.
/// </summary>
static class DemoCommand
{
    /// <summary>The frictions of the demo: each strong enough to matter, none enough to stop learning.</summary>
    public static TrainOptions Frictions(TrainOptions o) => o with
    {
        Frictions = o.Frictions with
        {
            Staleness = new() { Versions = 10 }, Bug = new() { Prob = 0.05f }, Reward = new() { FlipProb = 0.05f }, Discovery = new() { Prob = 0.01f },
        },
    };

    public static Command Create(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the runs and report.html.", DefaultValueFactory = _ => "runs/demo" };
        var steps = new Option<int>("--steps") { Description = "Learner steps per run.", DefaultValueFactory = _ => 1500 }.Within(1, 1e8);
        var seeds = new Option<int>("--seeds") { Description = "Seeds per method.", DefaultValueFactory = _ => 3 }.Within(1, 1000);
        var command = new Command("demo", "PG vs DG on token reversal with stale, buggy, noisy and discovering actors; writes a report.") { outDir, steps, seeds };
        command.SetAction(parse => Run(parse.GetValue(outDir)!, parse.GetValue(steps), parse.GetValue(seeds), output));
        return command;
    }

    public static int Run(string outDir, int steps, int seeds, TextWriter output)
    {
        if (seeds < 1) throw new OptionException("--seeds", $"--seeds must be a positive integer, got {seeds}.");
        var options = Frictions(new TrainOptions { Steps = steps, Evaluation = new() { Every = Math.Max(1, steps / 10) } });
        // A sweep over the method: two runs at a time, resumable (finished runs are kept), then the report.
        var spec = new SweepSpec(options, [SweepAxis.Parse("method", ["pg", "dg"], "the demo")], SweepSpec.SeedRange(seeds, "--seeds"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo: pg and dg on reversal (H = 10, M = 2), {seeds} seed(s), {steps} steps, frictions: staleness ≤ 10, bug 5%, reward flip 5%, discovery 1%"));
        var outcome = Sweep.Run(spec, outDir, Math.Min(2, Environment.ProcessorCount), SweepCommand.Trainer, output);
        if (!outcome.Result.Succeeded) return 1;
        output.WriteLine($"report: {outcome.ReportPath}");
        return 0;
    }
}
