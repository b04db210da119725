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
    public void Reversal_frictions_runs_none_and_all_four() => Assert.Equal(2, RunTiny("reversal-frictions", 3).Tables[0].Rows.Count);

    [Fact]
    public void Screening_runs_every_priority() => Assert.Equal(ScreeningExperiment.Priorities.Length, RunTiny("screening", 3).Tables[0].Rows.Count);

    [MnistFact]
    public void Mnist_runs_pg_dg_ce() => Assert.Equal(3, RunTiny("mnist", 5).Tables[0].Rows.Count);

    [MnistFact]
    public void Mnist_staleness_runs_both_quick_delays() => Assert.Equal(2, RunTiny("mnist-staleness", 5).Tables[0].Rows.Count);

    [MnistFact]
    public void Kondo_runs_both_tasks() => Assert.Equal(2 * 7, RunTiny("kondo", 3).Tables[0].Rows.Count);
}
