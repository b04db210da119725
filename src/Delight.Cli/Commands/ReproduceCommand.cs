using System.CommandLine;
using System.Globalization;
using Delight.Experiments.Reproduce;

namespace Delight.Cli.Commands;

/// <summary>delight reproduce NAME [--seeds N] [--scale quick|full] [--out DIR]: one of the papers' experiments (issue 7).</summary>
static class ReproduceCommand
{
    public static Command Create(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = $"The experiment: {string.Join(", ", ExperimentCatalog.Names)}." };
        var seeds = new Option<int?>("--seeds") { Description = "Independent repeats of each sampled quantity (default: 3 quick, 10 full)." };
        var scale = new Option<string>("--scale") { Description = "quick (a smoke run, seconds) or full (the committed results).", DefaultValueFactory = _ => "quick" };
        var outDir = new Option<string?>("--out") { Description = "Folder for <name>.md, <name>.json and the SVG plots (default: results/<name>)." };
        var command = new Command("reproduce", "Reproduce one of the papers' experiments: a table beside the papers' numbers, plots and raw numbers. Experiments: "
            + string.Join("; ", ExperimentCatalog.All.Select(e => $"{e.Name} — {e.Description}")))
        {
            name, seeds, scale, outDir,
        };
        command.SetAction(parse =>
        {
            var experiment = ExperimentCatalog.Find(parse.GetValue(name)!);
            var chosenScale = ReproduceScales.Parse(parse.GetValue(scale)!);
            var seedCount = parse.GetValue(seeds) ?? ReproduceScales.DefaultSeeds(chosenScale);
            if (seedCount < 1) throw new ArgumentException($"--seeds {seedCount} must be a positive integer.");
            var folder = parse.GetValue(outDir) ?? Path.Combine("results", experiment.Name);
            var report = experiment.Run(chosenScale, seedCount, folder, output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{experiment.Name} ({ReproduceScales.Name(chosenScale)}): {report.Tables.Sum(t => t.Rows.Count)} table rows, {report.Plots.Count} plots; wrote {Path.Combine(folder, experiment.Name + ".md")}"));
            return 0;
        });
        return command;
    }
}
