using System.Text.Json;
using System.Text.Json.Nodes;
using Delight.Reports;

namespace Delight.Experiments.Reproduce;

/// <summary>Writes an experiment's files into its output folder, each whole or not at all.</summary>
public static class ExperimentFiles
{
    static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>SVG of one line plot; returns the file name, for <see cref="ExperimentReport.Plots"/>.</summary>
    public static string WritePlot(string outDirectory, string fileName, LinePlot plot) => WriteSvg(outDirectory, fileName, SvgPlot.Render(plot));

    /// <summary>SVG of one bar plot; returns the file name.</summary>
    public static string WritePlot(string outDirectory, string fileName, BarPlot plot) => WriteSvg(outDirectory, fileName, SvgPlot.Render(plot));

    static string WriteSvg(string outDirectory, string fileName, string svg)
    {
        SvgPlot.WriteFile(Path.Combine(outDirectory, fileName), svg);
        return fileName;
    }

    /// <summary>&lt;name&gt;.md from the report and &lt;name&gt;.json from the raw numbers.</summary>
    public static void WriteReport(string outDirectory, ExperimentReport report, JsonObject rawNumbers)
    {
        ReportFiles.WriteAtomically(Path.Combine(outDirectory, report.Name + ".md"), report.ToMarkdown());
        var json = new JsonObject { ["experiment"] = report.Name, ["seeds"] = report.Seeds, ["data"] = WithoutNonFinite(rawNumbers) };
        ReportFiles.WriteAtomically(Path.Combine(outDirectory, report.Name + ".json"), json.ToJsonString(s_indented) + "\n");
    }

    /// <summary>The node with every NaN or infinite number replaced by null (JSON has neither; the writer would throw).</summary>
    static JsonNode WithoutNonFinite(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                    if (IsNonFinite(o[key])) o[key] = null;
                    else if (o[key] is { } child) WithoutNonFinite(child);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (IsNonFinite(a[i])) a[i] = null;
                    else if (a[i] is { } child) WithoutNonFinite(child);
                break;
        }
        return node;
    }

    static bool IsNonFinite(JsonNode? node) => node is JsonValue v
        && ((v.TryGetValue<double>(out var d) && !double.IsFinite(d)) || (v.TryGetValue<float>(out var f) && !float.IsFinite(f)));

    /// <summary>A JSON array of numbers (JSON has no NaN or infinity: those become null).</summary>
    public static JsonArray Numbers(IEnumerable<double> values)
        => [.. values.Select(v => double.IsFinite(v) ? JsonValue.Create(v) : null)];
}
