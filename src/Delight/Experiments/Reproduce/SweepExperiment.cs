using System.Globalization;
using Delight.Experiments.Sweeps;
using Delight.Reports;
using Delight.Runtime;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// What a sweep-based experiment needs from its caller: the trainer (the library cannot see the CLI's
/// <c>delight train</c> path, so <c>delight reproduce</c> passes <c>SweepCommand.Trainer</c>), the parallel runs, and an
/// optional steps override so tests can run every experiment end to end at a tiny scale, and an optional model size
/// (<c>delight reproduce --width … --hidden …</c>) for every run of the experiment.
/// </summary>
public sealed record SweepContext(SweepTrainer Trainer, int Jobs = 1, int? Steps = null, Policies.ModelOptions? Model = null);

/// <summary>
/// An experiment made of one or more <see cref="Sweep"/>s under OUT/sweep/&lt;group&gt;, each with its own aggregate.csv,
/// summary.csv and report.html; the experiment reads summary.csv and aggregate.csv back for its table and plots.
/// </summary>
public abstract class SweepExperiment : IExperiment
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    /// <summary>A sweep experiment cannot train without a trainer; <c>delight reproduce</c> calls the overload below.</summary>
    public ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log)
        => throw new InvalidOperationException($"'{Name}' trains networks: call Run with a SweepContext carrying the trainer (delight reproduce does).");

    public abstract ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log, SweepContext context);

    /// <summary>The steps of a run: the context's override, else the scale's.</summary>
    protected static int Steps(ReproduceScale scale, SweepContext context, int full, int quick)
        => context.Steps ?? (scale == ReproduceScale.Full ? full : quick);

    /// <summary>Evaluate ten times over the run (the brief's "every 1/10 of the run"), at least every step.</summary>
    protected static int EvalEvery(int steps) => Math.Max(1, steps / 10);

    public static SweepAxis Axis(string name, params string[] values) => SweepAxis.Parse(name, values, "reproduce");

    /// <summary>Runs one sweep into OUT/sweep/&lt;group&gt; and returns its summary and aggregate rows; a failed run is an error.</summary>
    protected static SweepTables RunSweep(string group, TrainOptions baseOptions, IReadOnlyList<SweepAxis> axes, int seeds,
        string outDirectory, SweepContext context, TextWriter log)
    {
        var folder = Path.Combine(outDirectory, "sweep", group);
        if (context.Model is { IsDefault: false } model) baseOptions = baseOptions with { Model = model };
        var spec = new SweepSpec(baseOptions, axes, SweepSpec.SeedRange(seeds, "reproduce"));
        log.WriteLine($"{group}: {spec.ConfigurationCount} configurations × {seeds} seeds, {baseOptions.Steps} steps → {folder}");
        var outcome = Sweep.Run(spec, folder, context.Jobs, context.Trainer, log);
        if (!outcome.Result.Succeeded || outcome.SummaryPath is null || outcome.AggregatePath is null)
            throw new InvalidOperationException($"sweep '{group}' did not finish: {string.Join("; ", outcome.Result.Failed.Select(f => f.Run.Label + ": " + f.Reason))}");
        return new SweepTables(group, CsvRows.Read(outcome.SummaryPath), CsvRows.Read(outcome.AggregatePath), folder);
    }
}

/// <summary>A sweep's summary.csv (one row per configuration) and aggregate.csv (one row per configuration and step).</summary>
public sealed record SweepTables(string Group, IReadOnlyList<CsvRow> Summary, IReadOnlyList<CsvRow> Aggregate, string? Folder = null)
{
    /// <summary>
    /// Each seed's final error for one configuration, read from its run folders (settings in the sweep's axis order,
    /// as the configuration folder is named): the spread a mean ± s.e. hides, such as a few seeds that never learn.
    /// </summary>
    public double[] SeedFinalErrors(params (string Name, string Value)[] settings) => SeedSummaries("final.error", settings);

    /// <summary>Each seed's value at a dotted path of its summary.json ("final.greedy_sequence_error"), NaN where absent.</summary>
    public double[] SeedSummaries(string path, params (string Name, string Value)[] settings)
    {
        if (Folder is null) throw new InvalidOperationException($"sweep '{Group}' was not read from a folder.");
        var configuration = Path.Combine(Folder, SweepRun.ConfigurationName(settings.Select(s => new SweepSetting(s.Name, s.Value))));
        return [.. Directory.GetDirectories(configuration, "seed=*").Order(StringComparer.Ordinal)
            .Select(run => SweepRunFiles.Summary(run)(path))];
    }

    /// <summary>The summary row whose axis columns equal <paramref name="settings"/> (name, value) pairs.</summary>
    public CsvRow Find(params (string Name, string Value)[] settings)
        => Summary.FirstOrDefault(r => settings.All(s => r.Text(s.Name) == s.Value))
            ?? throw new InvalidOperationException($"sweep '{Group}' has no configuration {string.Join(", ", settings.Select(s => s.Name + "=" + s.Value))}.");

    /// <summary>(step, mean, s.e.) of <paramref name="metric"/> for one configuration, where it was logged.</summary>
    public (double[] Steps, double[] Mean, double[] Error) Curve(string metric, params (string Name, string Value)[] settings)
    {
        var rows = Aggregate.Where(r => settings.All(s => r.Text(s.Name) == s.Value) && double.IsFinite(r.Number(metric + "_mean"))).ToArray();
        return ([.. rows.Select(r => r.Number("step"))], [.. rows.Select(r => r.Number(metric + "_mean"))], [.. rows.Select(r => r.Number(metric + "_se"))]);
    }

    /// <summary>The final error of a configuration as "mean ± s.e." (percent).</summary>
    public string FinalError(params (string Name, string Value)[] settings) => Percent(Find(settings), "final_error");

    /// <summary>The final greedy sequence error of a configuration as "mean ± s.e." (percent), "—" where the task has none.</summary>
    public string GreedyError(params (string Name, string Value)[] settings) => Percent(Find(settings), "final_greedy_sequence_error");

    /// <summary>"mean ± s.e." in percent; "—" for a column no run had (an older summary.csv, or a task without it).</summary>
    public static string Percent(CsvRow row, string field)
        => row.Cells.ContainsKey(field + "_mean") && double.IsFinite(row.Number(field + "_mean"))
            ? Cells.MeanError(100 * row.Number(field + "_mean"), 100 * row.Number(field + "_se"), 2) + " %"
            : "—";
}

/// <summary>One row of a sweep CSV, by column name (SweepCsv writes plain, comma-free values for numbers and axis values).</summary>
public sealed record CsvRow(IReadOnlyDictionary<string, string> Cells)
{
    public string Text(string column) => Cells.TryGetValue(column, out var v) ? v : throw new InvalidOperationException($"no column '{column}'.");

    /// <summary>NaN for an empty cell (no seed had the value).</summary>
    public double Number(string column)
        => Text(column) is { Length: > 0 } text ? double.Parse(text, CultureInfo.InvariantCulture) : double.NaN;
}

public static class CsvRows
{
    /// <summary>Reads a sweep CSV; quoted cells (SweepCsv quotes text holding a comma or quote) are unquoted.</summary>
    public static IReadOnlyList<CsvRow> Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var header = Split(lines[0]);
        return [.. lines.Skip(1).Select(l => new CsvRow(header.Zip(Split(l)).ToDictionary(p => p.First, p => p.Second)))];
    }

    static List<string> Split(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}

/// <summary>Plots from sweep tables.</summary>
public static class SweepPlots
{
    /// <summary>
    /// One curve of <paramref name="metric"/> against step per value of <paramref name="axis"/>, with its s.e. band;
    /// <paramref name="others"/> fixes the sweep's other axes (a slice of a grid).
    /// </summary>
    public static LinePlot Curves(string title, string yLabel, SweepTables tables, string metric, string axis, IReadOnlyList<string> values,
        AxisScale yScale = AxisScale.Linear, params (string Name, string Value)[] others)
        => new(title, "learner step", yLabel, [.. values.Select((v, i) =>
        {
            var (steps, mean, error) = tables.Curve(metric, [.. others, (axis, v)]);
            return new PlotSeries(v, i, steps, mean, error);
        })], AxisScale.Linear, yScale);
}
