using System.Text.RegularExpressions;
using System.Xml.Linq;
using Delight.Cli;
using Delight.Reports;
using static Delight.Test.Cli.InProcessCli;

namespace Delight.Test.Reports;

/// <summary>`delight report DIR` run in-process, as a user would call it, and the HTML it writes.</summary>
public sealed partial class ReportCommandTest : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("delight-report-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [GeneratedRegex("<svg[\\s\\S]*?</svg>")]
    private static partial Regex SvgElement();

    [Fact]
    public void ReportCommandTest_Report_WritesOneSelfContainedFileAndPrintsItsPath()
    {
        HandMadeRuns.WriteSweep(_root);
        var (code, output, error) = Run("report", _root);
        Assert.True(code == 0, error);
        var path = Path.Combine(_root, HtmlReport.DefaultFileName);
        Assert.Equal($"7 runs in 3 configurations; wrote {path}", output.TrimEnd());

        var html = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", html);
        // Self-contained: nothing for a browser to fetch.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        // The only URL is the SVG namespace name, which is never fetched.
        Assert.All(Regex.Matches(html, "https?://[^\"]*").Select(m => m.Value), u => Assert.Equal("http://www.w3.org/2000/svg", u));
        // Every plot is well-formed SVG: steps, forward, backward, wall-clock, final errors and the Kondo frontier.
        var plots = SvgElement().Matches(html).Select(m => XElement.Parse(m.Value)).ToArray();
        Assert.Equal(6, plots.Length);
        Assert.Contains("Kondo gate: quality vs backward cost", plots.Select(p => p.Attribute("aria-label")!.Value));
        // The frontier is relative to pg, the dense twin of kondo; kondo did a tenth of pg's backward work.
        Assert.Contains("total backward FLOPs relative to pg<", html);
        Assert.Contains("<td>kondo ρ=0.1</td>", html);
        Assert.Contains("<code>dg/s2</code>", html);
        Assert.Contains("<details><summary>config</summary>", html);
        Assert.Empty(Directory.GetFiles(_root, "*.tmp-*"));
    }

    [Fact]
    public void ReportCommandTest_Report_ListsSkippedRunsAndStillWrites()
    {
        HandMadeRuns.WriteSweep(_root);
        File.AppendAllText(Path.Combine(_root, "pg", "s1", "metrics.jsonl"), "not json\n");
        var outFile = Path.Combine(_root, "elsewhere", "r.html");
        var (code, output, error) = Run("report", _root, "--out", outFile);
        Assert.True(code == 0, error);
        Assert.Contains("6 runs in 3 configurations, 1 skipped (listed in the report)", output);
        var html = File.ReadAllText(outFile);
        Assert.Contains("<h2 id=\"skipped\">Skipped</h2>", html);
        Assert.Contains($"<code>{Path.Combine("pg", "s1")}</code>: metrics.jsonl line 3 is not valid JSON", html);
        Assert.False(File.Exists(Path.Combine(_root, HtmlReport.DefaultFileName)));
    }

    [Fact]
    public void ReportCommandTest_Report_NoFrontierWithoutKondo()
    {
        HandMadeRuns.Write(_root, "a", "dg", 0, [0.8, 0.6], 0.5);
        var (code, _, error) = Run("report", _root);
        Assert.True(code == 0, error);
        var html = File.ReadAllText(Path.Combine(_root, HtmlReport.DefaultFileName));
        Assert.Equal(5, SvgElement().Matches(html).Count);
        Assert.DoesNotContain("Kondo gate", html);
    }

    [Fact]
    public void ReportCommandTest_Report_NoRunsIsOneLineNamingTheFolderAndTheFix()
    {
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        var (code, _, error) = Run("report", _root);
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains($"no run folders (summary.json + metrics.jsonl) under '{_root}'", error);
        Assert.Contains("delight train --out", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(File.Exists(Path.Combine(_root, HtmlReport.DefaultFileName)));
    }

    [Fact]
    public void ReportCommandTest_Report_OnlyBrokenRunsNamesTheFirstReason()
    {
        var running = Directory.CreateDirectory(Path.Combine(_root, "running")).FullName;
        File.WriteAllText(Path.Combine(running, "metrics.jsonl"), "{\"step\":1,\"error\":0.9}\n");
        var (code, _, error) = Run("report", _root);
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("none of the 1 run folders", error);
        Assert.Contains("no summary.json yet", error);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("")]
    public void ReportCommandTest_Report_BadFolderIsOneLine(string folder)
    {
        var args = folder.Length == 0 ? new[] { "report" } : ["report", Path.Combine(_root, folder)];
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("delight: error:", error);
        Assert.DoesNotContain("   at ", error);
    }
}
