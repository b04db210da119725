namespace Delight.Reports;

/// <summary>
/// One logged step of a run, read from a metrics.jsonl line. Work is cumulative from the start of the run; a metric
/// the line does not carry is NaN, so plots that need it leave the run out instead of drawing zeros.
/// </summary>
public readonly record struct RunStep(
    int Step, double Error, double WallSeconds,
    double ForwardTokens, double BackwardTokens, double ForwardFlops, double BackwardFlops);

/// <summary>One config entry of summary.json: the key and its value as written (numbers in JSON's invariant form).</summary>
public readonly record struct ConfigEntry(string Key, string Value);

/// <summary>
/// A finished run folder: its summary.json and its metrics.jsonl steps. <see cref="Config"/> keeps summary.json's
/// order, so tables and labels list keys the way the trainer wrote them.
/// </summary>
public sealed record RunRecord(
    string Folder, string Task, string Method, ulong Seed, int StepsDone, double WallSeconds,
    double InitialError, double FinalError,
    IReadOnlyList<ConfigEntry> Config,
    IReadOnlyDictionary<string, double> Work,
    IReadOnlyDictionary<string, double> Frictions,
    IReadOnlyList<RunStep> Steps)
{
    /// <summary>A total from summary.json's "work" object (forward_flops, backward_tokens, …); NaN when absent.</summary>
    public double TotalWork(string key) => Work.TryGetValue(key, out var v) ? v : double.NaN;

    /// <summary>The config value of a key, or null when summary.json does not have it.</summary>
    public string? ConfigValue(string key)
    {
        foreach (var entry in Config)
            if (entry.Key == key) return entry.Value;
        return null;
    }
}

/// <summary>A folder that looked like a run but could not be read; the report lists it with the reason.</summary>
public sealed record SkippedRun(string Folder, string Reason);

/// <summary>Everything found under a report folder: the readable runs and the skipped ones, both sorted by folder.</summary>
public sealed record RunScan(string Root, IReadOnlyList<RunRecord> Runs, IReadOnlyList<SkippedRun> Skipped);
