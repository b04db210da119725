using Delight.Reports;

namespace Delight.Experiments.Sweeps;

/// <summary>What <see cref="Sweep.Run"/> did: the runs' fates and the files it wrote (null when nothing finished).</summary>
public sealed record SweepOutcome(SweepResult Result, string? AggregatePath, string? SummaryPath, string? ReportPath);

/// <summary>
/// A whole sweep in one call, as <c>delight sweep</c> does it: expand and validate every run (bad input fails before
/// anything is written), write sweep.json, run the runs in parallel, then write aggregate.csv, summary.csv and
/// report.html over the finished runs.
/// </summary>
public static class Sweep
{
    public static SweepOutcome Run(SweepSpec spec, string outDir, int jobs, SweepTrainer train, TextWriter progress, CancellationToken cancel = default)
    {
        var runs = spec.Expand(outDir);
        SweepRunner.SetAsideBroken(runs, progress);
        SweepRunner.CheckFinished(runs);
        Directory.CreateDirectory(outDir);
        // Before the runs, so a sweep killed half-way can be continued from its own folder.
        SweepJson.Write(spec, Path.Combine(outDir, SweepJson.FileName));
        var result = new SweepRunner(train, progress).Run(runs, jobs, cancel);
        if (!runs.Any(r => r.IsFinished)) return new SweepOutcome(result, null, null, null);
        SweepAggregate.Write(spec, runs, outDir);
        var report = HtmlReport.Write(outDir);
        return new SweepOutcome(result, Path.Combine(outDir, SweepAggregate.AggregateFile), Path.Combine(outDir, SweepAggregate.SummaryFile), report.Path);
    }
}
