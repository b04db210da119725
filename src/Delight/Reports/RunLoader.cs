using System.Globalization;
using System.Text.Json;

namespace Delight.Reports;

/// <summary>
/// Finds run folders (summary.json + metrics.jsonl, as <see cref="Experiments.RunFolder"/> writes them) under a root
/// and reads them. A folder with only one of the two files, or with a file that does not parse, becomes a
/// <see cref="SkippedRun"/> with the reason: a run still in progress or killed mid-write must not stop the report.
/// </summary>
public static class RunLoader
{
    public const string SummaryFile = "summary.json";
    public const string MetricsFile = "metrics.jsonl";

    /// <summary>Scans <paramref name="root"/> and every folder below it.</summary>
    /// <exception cref="DirectoryNotFoundException">the root does not exist</exception>
    public static RunScan Scan(string root)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"report folder '{root}' does not exist; pass the folder that holds your run folders (the --out of `delight train`).");
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var folders = Directory.EnumerateDirectories(root, "*", options).Prepend(root).Order(StringComparer.Ordinal);
        var runs = new List<RunRecord>();
        var skipped = new List<SkippedRun>();
        foreach (var folder in folders)
        {
            var hasSummary = File.Exists(Path.Combine(folder, SummaryFile));
            var hasMetrics = File.Exists(Path.Combine(folder, MetricsFile));
            if (!hasSummary && !hasMetrics) continue;
            if (!hasSummary) { skipped.Add(new(folder, $"no {SummaryFile} yet (the run is still going, or stopped before finishing)")); continue; }
            if (!hasMetrics) { skipped.Add(new(folder, $"{SummaryFile} without {MetricsFile}")); continue; }
            try
            {
                runs.Add(Load(folder));
            }
            catch (Exception e) when (e is RunFormatException or IOException or UnauthorizedAccessException)
            {
                skipped.Add(new(folder, e.Message));
            }
        }
        return new RunScan(root, runs, skipped);
    }

    /// <summary>Reads one run folder; throws <see cref="RunFormatException"/> naming the file, line and field at fault.</summary>
    public static RunRecord Load(string folder)
    {
        var summaryPath = Path.Combine(folder, SummaryFile);
        var steps = ReadMetrics(Path.Combine(folder, MetricsFile));
        JsonDocument summary;
        try
        {
            summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        }
        catch (JsonException e)
        {
            throw new RunFormatException($"{SummaryFile} is not valid JSON ({e.Message})");
        }
        using (summary)
        {
            var s = summary.RootElement;
            if (s.ValueKind != JsonValueKind.Object) throw new RunFormatException($"{SummaryFile} is not a JSON object");
            var config = Object(s, "config", SummaryFile).EnumerateObject()
                .Select(p => new ConfigEntry(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))
                .ToArray();
            return new RunRecord(
                folder,
                String(s, "task", SummaryFile),
                String(s, "method", SummaryFile),
                Object(s, "seed", SummaryFile, JsonValueKind.Number).GetUInt64(),
                (int)Number(s, "steps", SummaryFile),
                Number(s, "wall_seconds", SummaryFile),
                Number(Object(s, "initial", SummaryFile), "error", SummaryFile + " initial"),
                Number(Object(s, "final", SummaryFile), "error", SummaryFile + " final"),
                config,
                Numbers(s, "work"),
                Numbers(s, "frictions"),
                steps);
        }
    }

    static RunStep[] ReadMetrics(string path)
    {
        var steps = new List<RunStep>();
        var lineNumber = 0;
        var previousStep = 0;
        double forwardTokens = 0, backwardTokens = 0, forwardFlops = 0, backwardFlops = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{MetricsFile} line {lineNumber.ToString(CultureInfo.InvariantCulture)}";
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new RunFormatException($"{where} is not valid JSON ({e.Message})");
            }
            using (document)
            {
                var m = document.RootElement;
                if (m.ValueKind != JsonValueKind.Object) throw new RunFormatException($"{where} is not a JSON object");
                var step = (int)Number(m, "step", where);
                if (step <= previousStep) throw new RunFormatException($"{where}: step {step.ToString(CultureInfo.InvariantCulture)} does not increase");
                // A line holds that step's work only; with --log-every N the unlogged steps are counted as the logged
                // one (exact when every step is logged, which is the default).
                var span = step - previousStep;
                forwardTokens += span * Optional(m, "forward_tokens");
                backwardTokens += span * Optional(m, "backward_tokens");
                forwardFlops += span * Optional(m, "forward_flops");
                backwardFlops += span * Optional(m, "backward_flops");
                steps.Add(new RunStep(step, Number(m, "error", where), Optional(m, "wall_seconds"),
                    forwardTokens, backwardTokens, forwardFlops, backwardFlops));
                previousStep = step;
            }
        }
        if (steps.Count == 0) throw new RunFormatException($"{MetricsFile} has no steps");
        return [.. steps];
    }

    static JsonElement Object(JsonElement parent, string name, string where, JsonValueKind kind = JsonValueKind.Object)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != kind)
            throw new RunFormatException($"{where} has no '{name}' {(kind == JsonValueKind.Object ? "object" : "number")}");
        return value;
    }

    static string String(JsonElement parent, string name, string where)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            throw new RunFormatException($"{where} has no '{name}' string");
        return value.GetString()!;
    }

    static double Number(JsonElement parent, string name, string where) => Object(parent, name, where, JsonValueKind.Number).GetDouble();

    /// <summary>Missing or null (JSON has no NaN) reads as NaN.</summary>
    static double Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN;

    static Dictionary<string, double> Numbers(JsonElement parent, string name)
    {
        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);
        if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
            foreach (var p in value.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.Number) numbers[p.Name] = p.Value.GetDouble();
        return numbers;
    }
}

/// <summary>A run folder whose files do not have the shape <see cref="Experiments.RunFolder"/> writes.</summary>
public sealed class RunFormatException(string message) : Exception(message);
