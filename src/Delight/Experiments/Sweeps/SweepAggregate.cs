using Delight.Reports;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// The sweep's tables, over the finished runs only (so a partial sweep aggregates what it has):
/// <list type="bullet">
/// <item><c>aggregate.csv</c>: one row per (configuration, logged step): the axis values, step, n (seeds that logged the
/// step), and <c>&lt;metric&gt;_mean</c>, <c>&lt;metric&gt;_se</c> for every numeric metric of metrics.jsonl, over the seeds
/// where that metric has a value at that step (eval_* only on evaluation steps).</item>
/// <item><c>summary.csv</c>: one row per configuration: seeds planned, n finished, and mean, s.e. of the final and initial
/// error, the final greedy sequence error (sequence tasks), final reward, wall seconds and every total work counter of
/// summary.json.</item>
/// </list>
/// Standard error is the sample standard deviation (n − 1) over √n, 0 for one seed (<see cref="MeanError"/>).
/// </summary>
public static class SweepAggregate
{
    public const string AggregateFile = "aggregate.csv";
    public const string SummaryFile = "summary.csv";

    /// <summary>summary.json numbers summary.csv averages, by dotted path; the column is the path with '.' as '_'.</summary>
    public static readonly string[] SummaryFields =
    [
        "final.error", "final.greedy_sequence_error", "final.reward", "initial.error", "wall_seconds",
        "work.forward_rows", "work.backward_rows", "work.forward_tokens", "work.backward_tokens",
        "work.sample_rows", "work.sample_tokens", "work.forward_flops", "work.backward_flops",
    ];

    /// <summary>Every field of metrics.jsonl but the step, which is the row key.</summary>
    static readonly string[] s_metrics = MetricsLine.Names[1..];

    /// <summary>Writes both tables into <paramref name="outDir"/>; returns the number of configurations with a finished run.</summary>
    public static int Write(SweepSpec spec, IReadOnlyList<SweepRun> runs, string outDir)
    {
        var axes = spec.Axes.Select(a => a.Name).ToArray();
        var steps = new SweepCsv([.. axes, "step", "n", .. s_metrics.SelectMany(m => new[] { m + "_mean", m + "_se" })]);
        var summary = new SweepCsv([.. axes, "seeds", "n", .. SummaryFields.SelectMany(f => new[] { Column(f) + "_mean", Column(f) + "_se" })]);
        var configurations = 0;
        foreach (var group in runs.GroupBy(r => r.ConfigurationFolder))
        {
            var finished = group.Where(r => r.IsFinished).ToArray();
            if (finished.Length == 0) continue;
            configurations++;
            var settings = group.First().Settings;

            var metrics = finished.Select(r => SweepRunFiles.Metrics(r.Folder)).ToArray();
            foreach (var step in metrics.SelectMany(m => m.Keys).Distinct().Order())
            {
                var atStep = metrics.Where(m => m.ContainsKey(step)).Select(m => m[step]).ToArray();
                foreach (var s in settings) steps.Text(s.Value);
                steps.Number(step).Number(atStep.Length);
                for (var i = 1; i < MetricsLine.Names.Length; i++)
                    steps.MeanError(MeanError.Of([.. atStep.Select(v => v[i]).Where(double.IsFinite)]));
                steps.EndRow();
            }

            var summaries = finished.Select(r => SweepRunFiles.Summary(r.Folder)).ToArray();
            foreach (var s in settings) summary.Text(s.Value);
            summary.Number(group.Count()).Number(finished.Length);
            foreach (var field in SummaryFields)
                summary.MeanError(MeanError.Of([.. summaries.Select(read => read(field)).Where(double.IsFinite)]));
            summary.EndRow();
        }
        steps.Write(Path.Combine(outDir, AggregateFile));
        summary.Write(Path.Combine(outDir, SummaryFile));
        return configurations;
    }

    static string Column(string field) => field.Replace('.', '_');
}
