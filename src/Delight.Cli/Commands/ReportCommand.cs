using System.CommandLine;
using System.Globalization;
using Delight.Reports;

namespace Delight.Cli.Commands;

/// <summary>delight report DIR [--out FILE]: one self-contained HTML file with SVG plots of every run under DIR.</summary>
static class ReportCommand
{
    public static Command Create(TextWriter output)
    {
        var folder = new Argument<string>("DIR") { Description = "Folder searched (recursively) for run folders: summary.json + metrics.jsonl." };
        var outFile = new Option<string?>("--out") { Description = $"HTML file to write (default: DIR/{HtmlReport.DefaultFileName})." };
        var command = new Command("report", "Write an HTML report with plots (error vs steps, work and wall-clock; final errors; Kondo frontier) of the runs under DIR.")
        {
            folder, outFile,
        };
        command.SetAction(parse =>
        {
            var result = HtmlReport.Write(parse.GetValue(folder)!, parse.GetValue(outFile));
            var inv = CultureInfo.InvariantCulture;
            var skipped = result.Scan.Skipped.Count == 0 ? "" : string.Create(inv, $", {result.Scan.Skipped.Count} skipped (listed in the report)");
            output.WriteLine(string.Create(inv, $"{result.Scan.Runs.Count} runs in {result.Configurations.Count} configurations{skipped}; wrote {result.Path}"));
            return 0;
        });
        return command;
    }
}
