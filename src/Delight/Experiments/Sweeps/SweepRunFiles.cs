using System.Text.Json;
using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>Reads what a sweep needs back from a run folder: the resolved config, summary numbers and metric lines.</summary>
static class SweepRunFiles
{
    /// <summary>
    /// What is wrong with a finished run's files (summary.json not a JSON object with its config, a metrics.jsonl line
    /// that is not a JSON object), or null when they read back: a truncated or damaged run must be trained again,
    /// not crash the sweep that reads it.
    /// </summary>
    public static string? Problem(string folder)
    {
        try
        {
            using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SummaryFile))))
            {
                if (summary.RootElement.ValueKind != JsonValueKind.Object) return $"{RunFolder.SummaryFile} is not a JSON object";
                if (!summary.RootElement.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
                    return $"{RunFolder.SummaryFile} has no config";
            }
            var number = 0;
            foreach (var line in File.ReadLines(Path.Combine(folder, RunFolder.MetricsFile)))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("step", out var step) || !step.TryGetInt32(out _))
                    return $"line {number} of {RunFolder.MetricsFile} is not a metrics object with a step";
            }
            return null;
        }
        catch (JsonException e) { return $"unreadable JSON ({e.Message.Split(". ")[0]})"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return e.Message; }
    }

    /// <summary>
    /// The options of the finished run whose value differs from <paramref name="expected"/> ("steps: 5 ≠ 100"), read from
    /// summary.json's config. Keys this build does not know are ignored (they cannot have been set by this sweep).
    /// </summary>
    public static List<string> ConfigDifferences(string folder, TrainOptions expected)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SummaryFile)));
        var differences = new List<string>();
        if (!document.RootElement.TryGetProperty("config", out var config) || config.ValueKind != JsonValueKind.Object)
            return ["summary.json has no config"];
        foreach (var p in config.EnumerateObject())
        {
            if (OptionTable.Find(p.Name) is not { } entry) continue;
            object? found;
            try
            {
                found = p.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => entry.Parse(p.Value.GetString()!, RunFolder.SummaryFile),
                    _ => entry.Parse(p.Value.GetRawText(), RunFolder.SummaryFile),
                };
            }
            catch (OptionException) { found = p.Value.GetRawText(); }
            var wanted = entry.Get(expected);
            if (!Equals(found, wanted)) differences.Add($"{entry.Name}: {OptionEntry.Format(found)} ≠ {OptionEntry.Format(wanted)}");
        }
        return differences;
    }

    /// <summary>A number at a dotted path of summary.json ("final.error", "work.forward_flops"); NaN when absent.</summary>
    public static Func<string, double> Summary(string folder)
    {
        var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SummaryFile))).RootElement.Clone();
        return path =>
        {
            var node = root;
            foreach (var part in path.Split('.'))
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node)) return double.NaN;
            return node.ValueKind == JsonValueKind.Number ? node.GetDouble() : double.NaN;
        };
    }

    /// <summary>metrics.jsonl as step → values in <see cref="MetricsLine.Names"/> order (null, a metric not logged that step, is NaN).</summary>
    public static SortedDictionary<int, double[]> Metrics(string folder)
    {
        var steps = new SortedDictionary<int, double[]>();
        foreach (var line in File.ReadLines(Path.Combine(folder, RunFolder.MetricsFile)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var values = new double[MetricsLine.Names.Length];
            for (var i = 0; i < values.Length; i++)
                values[i] = document.RootElement.TryGetProperty(MetricsLine.Names[i], out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
            steps[(int)values[0]] = values; // Names[0] is "step"
        }
        return steps;
    }
}
