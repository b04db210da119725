using System.CommandLine;
using System.Globalization;
using Delight.Experiments.Sweeps;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// delight sweep [--file SWEEP.yaml] [--methods pg,dg] [--seeds N | --seed-list a,b] [--grid name=v1,v2]… [--jobs J]
/// [--out DIR] [train flags as base values]
/// </summary>
static class SweepCommand
{
    /// <summary>
    /// One sweep run through <c>delight train</c>'s own path (validation, run folder, run loop), quietly: the sweep
    /// prints one line per run instead. Later commands that run sweeps from code (reproduce) pass this too.
    /// </summary>
    public static readonly SweepTrainer Trainer = (options, folder) => TrainCommand.Train(options, folder, quiet: true, TextWriter.Null);

    public static Command Create(TextWriter output)
    {
        var file = new Option<string?>("--file") { Description = "YAML or JSON sweep file: base (option: value), grid (option: [values]), seeds (N or [s1, s2]). Flags given here override it." };
        var methods = new Option<string?>("--methods") { Description = "Methods to sweep, comma-separated (the axis 'method'), e.g. pg,dg." };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds 0..N-1 for every configuration." }.Within(1, 1000);
        var seedList = new Option<string?>("--seed-list") { Description = "Explicit seeds, comma-separated, e.g. 3,7." };
        var grid = new Option<string[]>("--grid") { Description = "A grid axis over any option, name=v1,v2 (repeatable), e.g. --grid staleness=0,4.", DefaultValueFactory = _ => [] };
        var jobs = new Option<int?>("--jobs") { Description = "Runs trained at once, each on its own thread [default: the processor count]." }.Within(1, 64);
        var outDir = new Option<string>("--out") { Description = "Sweep folder: OUT/<axis=value,…>/seed=<s> run folders, aggregate.csv, summary.csv, sweep.json, report.html.", DefaultValueFactory = _ => "runs/sweep" };
        var binder = new TrainOptionsBinder();
        var command = new Command("sweep", "Train a grid of runs (methods × seeds × any option) in parallel; resumable; writes mean ± s.e. tables and a report.")
            { file, methods, seeds, seedList, grid, jobs, outDir };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var fromFile = parse.GetValue(file) is { } path ? SweepFile.Load(path) : null;
            var arguments = new SweepArguments
            {
                Methods = parse.GetValue(methods), Seeds = parse.GetValue(seeds), SeedList = parse.GetValue(seedList), Grid = parse.GetValue(grid) ?? [],
            };
            var spec = arguments.ToSpec(binder.Bind(parse, fromFile?.Base ?? new TrainOptions()), fromFile);
            return Run(spec, parse.GetValue(outDir)!, parse.GetValue(jobs) ?? Environment.ProcessorCount, output);
        });
        return command;
    }

    public static int Run(SweepSpec spec, string outDir, int jobs, TextWriter output)
    {
        using var cancel = new CancellationTokenSource();
        // Each running run stops itself at Ctrl-C (RunLoop's own handler); this one stops the sweep starting new ones.
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var outcome = Sweep.Run(spec, outDir, jobs, Trainer, output, cancel.Token);
            var r = outcome.Result;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sweep: {r.Completed.Count} trained, {r.Skipped.Count} already finished, {r.Failed.Count} failed{(r.NotStarted > 0 ? $", {r.NotStarted} not started" : "")} in {r.WallSeconds:F1} s"));
            if (outcome.AggregatePath is not null)
                output.WriteLine($"wrote {outcome.AggregatePath}, {outcome.SummaryPath}, {outcome.ReportPath}");
            foreach (var failure in r.Failed) output.WriteLine($"failed: {failure.Run.Label} ({failure.Run.Folder}): {failure.Reason}");
            if (r.Cancelled) output.WriteLine("stopped; run the same command again to continue (finished runs are kept).");
            return r.Cancelled ? 130 : r.Failed.Count > 0 ? 1 : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
