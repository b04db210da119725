using System.CommandLine;
using System.Globalization;
using Delight.Reports;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// delight demo: the distributed paper's point in a few minutes on one machine — PG and DG on token reversal with all
/// four frictions at once (stale actors, buggy actors, corrupted rewards, rare discoveries), several seeds, runs two
/// at a time, then one HTML report comparing them.
/// </summary>
static class DemoCommand
{
    /// <summary>The frictions of the demo: each strong enough to matter, none enough to stop learning.</summary>
    public static TrainOptions Frictions(TrainOptions o) => o with
    {
        Staleness = 10, BugProb = 0.05f, RewardFlipProb = 0.05f, DiscoveryProb = 0.01f,
    };

    public static Command Create(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "Folder for the runs and report.html.", DefaultValueFactory = _ => "runs/demo" };
        var steps = new Option<int>("--steps") { Description = "Learner steps per run.", DefaultValueFactory = _ => 1500 };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per method.", DefaultValueFactory = _ => 3 };
        var command = new Command("demo", "PG vs DG on token reversal with stale, buggy, noisy and discovering actors; writes a report.") { outDir, steps, seeds };
        command.SetAction(parse => Run(parse.GetValue(outDir)!, parse.GetValue(steps), parse.GetValue(seeds), output));
        return command;
    }

    public static int Run(string outDir, int steps, int seeds, TextWriter output)
    {
        if (seeds < 1) throw new OptionException("--seeds", $"--seeds must be a positive integer, got {seeds}.");
        var runs = new List<(TrainOptions Options, string Folder)>();
        foreach (var method in new[] { "pg", "dg" })
            for (var seed = 0; seed < seeds; seed++)
            {
                var options = Frictions(new TrainOptions { Method = method, Steps = steps, Seed = (ulong)seed, EvaluateEvery = Math.Max(1, steps / 10) });
                options.Validate();
                runs.Add((options, Path.Combine(outDir, $"{method}-seed{seed}")));
            }
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"demo: pg and dg on reversal (H = 10, M = 2), {seeds} seeds, {steps} steps, frictions: staleness ≤ 10, bug 5%, reward flip 5%, discovery 1%"));
        var gate = new Lock();
        var failures = 0;
        // Two runs at a time: each learner's matrix products use the shared worker pool when it is free.
        Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(2, Environment.ProcessorCount) }, run =>
        {
            if (File.Exists(Path.Combine(run.Folder, "summary.json"))) return; // finished earlier: the demo resumes
            if (Directory.Exists(run.Folder)) Directory.Delete(run.Folder, recursive: true);
            var log = new StringWriter();
            try { TrainCommand.Train(run.Options, run.Folder, quiet: true, log); }
            catch (Exception e) when (CliErrors.IsUserError(e)) { lock (gate) { failures++; output.WriteLine($"{run.Folder}: {e.Message}"); } return; }
            lock (gate) output.Write($"{run.Options.Method} seed {run.Options.Seed}: {log}");
        });
        if (failures > 0) return 1;
        var report = HtmlReport.Write(outDir);
        output.WriteLine($"report: {report.Path}");
        return 0;
    }
}
