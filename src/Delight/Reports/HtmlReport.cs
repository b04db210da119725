using System.Globalization;
using System.Text;
using Delight.Runtime;
using static Delight.Reports.Markup;

namespace Delight.Reports;

/// <summary>What <see cref="HtmlReport.Write"/> did: the file it wrote and what went into it.</summary>
public sealed record ReportResult(string Path, RunScan Scan, IReadOnlyList<Configuration> Configurations, IReadOnlyList<NamedPlot> Plots);

/// <summary>
/// The report as one self-contained HTML file: inline CSS and inline SVG, no scripts, fonts or links to fetch, so it
/// opens the same from a laptop, a CI artifact or an e-mail attachment.
/// </summary>
public static class HtmlReport
{
    public const string DefaultFileName = "report.html";

    /// <summary>
    /// Scans <paramref name="root"/>, groups, plots and writes the report atomically to <paramref name="outPath"/>
    /// (default <c>root/report.html</c>). Throws <see cref="OptionException"/> when no run can be read.
    /// </summary>
    public static ReportResult Write(string root, string? outPath = null)
    {
        var scan = RunLoader.Scan(root);
        if (scan.Runs.Count == 0)
        {
            var why = scan.Skipped.Count == 0
                ? $"no run folders (summary.json + metrics.jsonl) under '{root}'"
                : $"none of the {scan.Skipped.Count.ToString(CultureInfo.InvariantCulture)} run folders under '{root}' could be read (first: '{scan.Skipped[0].Folder}': {scan.Skipped[0].Reason})";
            throw new OptionException("DIR", $"{why}; train into it first (`delight train --out {Path.Combine(root, "NAME")}`) or pass the folder that holds your runs.");
        }
        var configurations = Configurations.Group(scan.Runs);
        var plots = ReportPlots.Create(configurations);
        var path = outPath ?? Path.Combine(root, DefaultFileName);
        ReportFiles.WriteAtomically(path, Render(scan, configurations, plots));
        return new ReportResult(path, scan, configurations, plots);
    }

    public static string Render(RunScan scan, IReadOnlyList<Configuration> configurations, IReadOnlyList<NamedPlot> plots)
    {
        var html = new StringBuilder();
        var runCount = scan.Runs.Count.ToString(CultureInfo.InvariantCulture);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>Delight report: {Escape(scan.Root)}</title>\n<style>{Style}</style>\n</head>\n<body>\n<main>\n");
        html.Append($"<h1>Delight report</h1>\n<p>{runCount} run{(scan.Runs.Count == 1 ? "" : "s")} in {configurations.Count.ToString(CultureInfo.InvariantCulture)} configuration{(configurations.Count == 1 ? "" : "s")} from <code>{Escape(scan.Root)}</code>. ");
        html.Append("A configuration is a set of runs whose config differs only in the seed; curves are the mean over its seeds, bands and whiskers ± one standard error.");
        if (scan.Skipped.Count > 0) html.Append($" <a href=\"#skipped\">{scan.Skipped.Count.ToString(CultureInfo.InvariantCulture)} skipped</a>.");
        html.Append("</p>\n");

        ConfigurationTable(html, configurations);
        Notes(html, configurations);
        html.Append("<h2>Plots</h2>\n<div class=\"plots\">\n");
        foreach (var plot in plots)
            html.Append($"<figure id=\"{Escape(plot.Name)}\">\n{plot.Svg}<figcaption>{Escape(plot.Caption)}</figcaption>\n</figure>\n");
        html.Append("</div>\n");
        RunTable(html, scan, configurations);
        Skipped(html, scan);
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    static void ConfigurationTable(StringBuilder html, IReadOnlyList<Configuration> configurations)
    {
        html.Append("<h2>Configurations</h2>\n<table>\n<thead><tr><th></th><th>configuration</th><th>seeds</th><th>initial error</th><th>final error ± SE</th><th>backward FLOPs</th><th>wall s</th></tr></thead>\n<tbody>\n");
        for (var i = 0; i < configurations.Count; i++)
        {
            var c = configurations[i];
            var final = c.FinalError;
            html.Append($"<tr><td><span class=\"swatch\" style=\"background:{Palette.Colour(i)}\"></span></td><td>{Escape(c.Label)}</td>")
                .Append($"<td class=\"n\">{c.Runs.Count.ToString(CultureInfo.InvariantCulture)}</td>")
                .Append($"<td class=\"n\">{Number(MeanError.Of([.. c.Runs.Select(r => r.InitialError)]).Mean)}</td>")
                .Append($"<td class=\"n\">{Number(final.Mean)} ± {Number(final.StandardError)}</td>")
                .Append($"<td class=\"n\">{Number(c.TotalWork("backward_flops").Mean)}</td>")
                .Append($"<td class=\"n\">{Number(MeanError.Of([.. c.Runs.Select(r => r.WallSeconds)]).Mean)}</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>Say so when seeds share no logged step: the configuration is then missing from the curves.</summary>
    static void Notes(StringBuilder html, IReadOnlyList<Configuration> configurations)
    {
        var empty = configurations.Where(c => c.CommonSteps().Count == 0).ToArray();
        if (empty.Length == 0) return;
        html.Append("<p class=\"note\">");
        foreach (var c in empty)
            html.Append($"{Escape(c.Label)}: its seeds logged no step in common, so it has no curve. ");
        html.Append("</p>\n");
    }

    static void RunTable(StringBuilder html, RunScan scan, IReadOnlyList<Configuration> configurations)
    {
        html.Append("<h2>Runs</h2>\n<table>\n<thead><tr><th>folder</th><th>configuration</th><th>seed</th><th>steps</th><th>wall s</th><th>initial error</th><th>final error</th><th>forward FLOPs</th><th>backward FLOPs</th><th>backward tokens</th><th>config</th></tr></thead>\n<tbody>\n");
        foreach (var c in configurations)
            foreach (var r in c.Runs)
            {
                html.Append($"<tr><td><code>{Escape(Path.GetRelativePath(scan.Root, r.Folder))}</code></td><td>{Escape(c.Label)}</td>")
                    .Append($"<td class=\"n\">{r.Seed.ToString(CultureInfo.InvariantCulture)}</td><td class=\"n\">{r.StepsDone.ToString(CultureInfo.InvariantCulture)}</td>")
                    .Append($"<td class=\"n\">{Number(r.WallSeconds)}</td><td class=\"n\">{Number(r.InitialError)}</td><td class=\"n\">{Number(r.FinalError)}</td>")
                    .Append($"<td class=\"n\">{Number(r.TotalWork("forward_flops"))}</td><td class=\"n\">{Number(r.TotalWork("backward_flops"))}</td><td class=\"n\">{Number(r.TotalWork("backward_tokens"))}</td>")
                    .Append("<td><details><summary>config</summary><table class=\"config\">");
                foreach (var e in r.Config) html.Append($"<tr><td>{Escape(e.Key)}</td><td>{Escape(e.Value)}</td></tr>");
                if (r.Frictions.Count > 0)
                {
                    html.Append("<tr><th colspan=\"2\">frictions (measured)</th></tr>");
                    foreach (var (key, value) in r.Frictions) html.Append($"<tr><td>{Escape(key)}</td><td>{Number(value)}</td></tr>");
                }
                html.Append("</table></details></td></tr>\n");
            }
        html.Append("</tbody>\n</table>\n");
    }

    static void Skipped(StringBuilder html, RunScan scan)
    {
        if (scan.Skipped.Count == 0) return;
        html.Append("<h2 id=\"skipped\">Skipped</h2>\n<p>These folders look like runs but could not be read; they are not in the plots.</p>\n<ul>\n");
        foreach (var s in scan.Skipped)
            html.Append($"<li><code>{Escape(Path.GetRelativePath(scan.Root, s.Folder))}</code>: {Escape(s.Reason)}</li>\n");
        html.Append("</ul>\n");
    }

    const string Style = """
        body { font-family: system-ui, sans-serif; color: #222; background: #fafafa; margin: 0; }
        main { max-width: 1340px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
        h1 { margin-bottom: 0.3rem; }
        h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
        code { font-size: 0.9em; }
        table { border-collapse: collapse; font-size: 0.9rem; background: #fff; }
        th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        table.config td, table.config th { border: none; padding: 0 0.6rem 0 0; }
        .swatch { display: inline-block; width: 1.6rem; height: 0.8rem; border-radius: 2px; }
        .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 1rem; }
        figure { margin: 0; background: #fff; border: 1px solid #ddd; padding: 0.5rem; }
        figure svg { width: 100%; height: auto; display: block; }
        figcaption { font-size: 0.85rem; color: #555; margin-top: 0.3rem; }
        .note { color: #8a4b00; }
        """;
}
