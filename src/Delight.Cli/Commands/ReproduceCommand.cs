using System.CommandLine;
using System.Globalization;
using Delight.Experiments.Reproduce;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight reproduce NAME [--seeds N] [--scale quick|full] [--out DIR]: one of the papers' experiments (issue 7).</summary>
static class ReproduceCommand
{
    public static Command Create(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = $"The experiment: {string.Join(", ", ExperimentCatalog.Names)}." };
        var seeds = new Option<int?>("--seeds") { Description = "Independent repeats of each sampled quantity (default: 3 quick, 10 full)." }.Within(1, 1000);
        var scale = new Option<string>("--scale") { Description = "quick (a smoke run, seconds) or full (the committed results).", DefaultValueFactory = _ => "quick" };
        var jobs = new Option<int>("--jobs") { Description = "Parallel training runs of a sweep-based experiment.", DefaultValueFactory = _ => 1 }.Within(1, 64);
        var steps = new Option<int?>("--steps") { Description = "Override the scale's learner steps per run (sweep-based experiments)." }.Within(1, 1e8);
        var outDir = new Option<string?>("--out") { Description = "Folder for <name>.md, <name>.json and the SVG plots (default: results/<name>)." };
        var model = new TrainOptionsBinder(ModelFlags); // the network's size for every run of a sweep-based experiment
        var command = new Command("reproduce", "Reproduce one of the papers' experiments: a table beside the papers' numbers, plots and raw numbers. Experiments: "
            + string.Join("; ", ExperimentCatalog.All.Select(e => $"{e.Name} — {e.Description}")))
        {
            name, seeds, scale, outDir, jobs, steps,
        };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            var experiment = ExperimentCatalog.Find(parse.GetValue(name)!);
            var chosenScale = ReproduceScales.Parse(parse.GetValue(scale)!);
            var seedCount = parse.GetValue(seeds) ?? ReproduceScales.DefaultSeeds(chosenScale);
            if (seedCount < 1) throw new Delight.Runtime.OptionException("--seeds", $"--seeds {seedCount} must be a positive integer.");
            var folder = parse.GetValue(outDir) ?? Path.Combine("results", experiment.Name);
            if (parse.GetValue(jobs) < 1) throw new Delight.Runtime.OptionException("--jobs", $"--jobs {parse.GetValue(jobs)} must be a positive integer.");
            var size = model.Bind(parse, new TrainOptions()).Model;
            if (experiment is not SweepExperiment && !size.IsDefault)
                throw new OptionException("--width", $"'{experiment.Name}' trains no network (its policies are tables), so it has no model size; drop --width, --layers, --heads, --ff and --hidden.");
            // Sweep experiments train through delight train's own path, which only the CLI can see.
            var report = experiment is SweepExperiment sweep
                ? sweep.Run(chosenScale, seedCount, folder, output, new SweepContext(SweepCommand.Trainer, parse.GetValue(jobs), parse.GetValue(steps), size))
                : experiment.Run(chosenScale, seedCount, folder, output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{experiment.Name} ({ReproduceScales.Name(chosenScale)}): {report.Tables.Sum(t => t.Rows.Count)} table rows, {report.Plots.Count} plots; wrote {Path.Combine(folder, experiment.Name + ".md")}"));
            return 0;
        });
        return command;
    }

    /// <summary>The model-size flags of <c>delight train</c> (<see cref="Policies.ModelOptions"/>).</summary>
    static readonly string[] ModelFlags = ["width", "layers", "heads", "ff", "hidden"];
}
