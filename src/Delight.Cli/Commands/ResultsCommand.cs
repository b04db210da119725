using System.CommandLine;
using Delight.Experiments.Reproduce;
using Delight.Reports;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight results [--file RESULTS.md] [--results results]: splice each experiment's reproduce output into RESULTS.md.</summary>
static class ResultsCommand
{
    public static Command Create(TextWriter output)
    {
        var file = new Option<string>("--file") { Description = "The results document whose marked sections are regenerated.", DefaultValueFactory = _ => "RESULTS.md" };
        var results = new Option<string>("--results") { Description = "The folder holding <name>/<name>.md as delight reproduce wrote them, relative to the document's folder.", DefaultValueFactory = _ => "results" };
        var command = new Command("results", "Regenerate RESULTS.md: replace each experiment's marked block with the <name>.md that `delight reproduce NAME` last wrote; "
            + "text outside the markers (verdicts, commands, notes by hand) is kept.") { file, results };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new OptionException("--file", $"'{path}' does not exist; run from the repository root or pass --file PATH/RESULTS.md.");
            var folder = parse.GetValue(results)!;
            var root = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, folder);
            var (text, updated, missing) = ResultsDocument.Splice(File.ReadAllText(path), ExperimentCatalog.Names, name =>
            {
                var generated = Path.Combine(root, name, name + ".md");
                return File.Exists(generated) ? File.ReadAllText(generated) : null;
            }, folder);
            if (updated.Count == 0 && missing.Count == 0)
                throw new OptionException("--file", $"'{path}' has no marked section; mark one with {ResultsDocument.Begin("NAME")} … {ResultsDocument.End("NAME")}.");
            ReportFiles.WriteAtomically(path, text);
            output.WriteLine($"{path}: regenerated {string.Join(", ", updated)}"
                + (missing.Count == 0 ? "" : $"; kept {string.Join(", ", missing)} (no {folder}/<name>/<name>.md: run delight reproduce NAME --scale full)"));
            return 0;
        });
        return command;
    }
}
