using Delight.Cli.Commands;
using Delight.Experiments.Reproduce;
using Delight.Test.Environments;

namespace Delight.Test.Experiments;

/// <summary>
/// Every sweep-based reproduction end to end at a tiny scale (a few steps, one seed) through delight train's own
/// trainer: the sweep runs, and the report's markdown and JSON are written. The numbers themselves are meaningless here.
/// </summary>
public sealed class ReproduceSweepTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-reproduce-sweep-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    ExperimentReport RunTiny(string name, int steps)
    {
        var experiment = (SweepExperiment)ExperimentCatalog.Find(name);
        var report = experiment.Run(ReproduceScale.Quick, 1, _folder, TextWriter.Null, new SweepContext(SweepCommand.Trainer, Jobs: 2, Steps: steps));
        Assert.True(File.Exists(Path.Combine(_folder, name + ".md")));
        Assert.True(File.Exists(Path.Combine(_folder, name + ".json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_folder, "sweep"), "report.html", SearchOption.AllDirectories));
        Assert.Contains("papers", File.ReadAllText(Path.Combine(_folder, name + ".md")), StringComparison.OrdinalIgnoreCase);
        return report;
    }

    [Fact]
    public void Sweep_experiment_without_a_trainer_says_how_to_run_it()
        => Assert.Throws<InvalidOperationException>(() => ExperimentCatalog.Find("screening").Run(ReproduceScale.Quick, 1, _folder, TextWriter.Null));

    [Fact]
    public void Reversal_frictions_runs_none_and_all_four_then_the_lengths()
    {
        var report = RunTiny("reversal-frictions", 3);
        Assert.Equal(2, report.Tables[0].Rows.Count);
        // The greedy sequence error of the same runs: a percentage for every method (reversal has a greedy answer).
        var greedy = report.Tables[1];
        Assert.Equal(2, greedy.Rows.Count);
        Assert.All(greedy.Rows, row => Assert.All(row.Skip(1), cell => Assert.EndsWith(" %", cell)));
        // Quick lengths 4 and 8, then H* and the papers' H* row; one column per method after H.
        Assert.Equal(4, report.Tables[2].Rows.Count);
        Assert.Equal(1 + ReversalFrictionsExperiment.Methods.Length, report.Tables[2].Columns.Count);
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(_folder, p))));
        Assert.Equal(2, report.Plots.Count);
    }

    [Fact]
    public void Screening_runs_every_priority() => Assert.Equal(ScreeningExperiment.Priorities.Length, RunTiny("screening", 3).Tables[0].Rows.Count);

    [MnistFact]
    public void Mnist_runs_pg_dg_ce() => Assert.Equal(3, RunTiny("mnist", 5).Tables[0].Rows.Count);

    [MnistFact]
    public void Mnist_staleness_runs_both_quick_delays_and_measures_alignment()
    {
        var report = RunTiny("mnist-staleness", 5);
        Assert.Equal(2, report.Tables[0].Rows.Count);
        var alignment = report.Tables[1];
        Assert.Equal(2 * MnistStalenessExperiment.Methods.Length, alignment.Rows.Count);
        // Every method measured at the last step: the last-tenth cosines are numbers in [−1, 1].
        Assert.All(alignment.Rows, row => Assert.InRange(double.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), -1, 1));
        Assert.All(alignment.Rows, row => Assert.InRange(double.Parse(row[5], System.Globalization.CultureInfo.InvariantCulture), -1, 1));
        Assert.Equal(5, report.Plots.Count); // final error vs D; cosine to the oracle and to ∇J at the smallest and largest D
    }

    [Fact]
    public void Kondo_rows_runs_every_configuration_at_both_lengths()
    {
        var report = RunTiny("kondo-rows", 3);
        // Nine configurations at H = 10 (DG and DG at the larger step, top-ρ rows, three stochastic row gates, Horvitz–Thompson,
        // two uniform controls); DG and the three stochastic row gates at the longer H.
        Assert.Equal(9 + 4, report.Tables[0].Rows.Count);
        Assert.Equal(2 * 2, report.Plots.Count);
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(_folder, p))));
    }

    [MnistFact]
    public void Kondo_runs_both_tasks()
    {
        var report = RunTiny("kondo", 3);
        Assert.Equal(2 * 7, report.Tables[0].Rows.Count);
        Assert.Equal(2 * 3, report.Plots.Count); // error vs forward rows, backward rows and wall-clock, per task
        Assert.All(report.Plots, p => Assert.True(File.Exists(Path.Combine(_folder, p))));
    }
}
