using System.Text.Json.Nodes;
using Delight.Reports;

namespace Delight.Test.Reports;

public sealed class ConfigurationsTest : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("delight-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    IReadOnlyList<Configuration> Sweep()
    {
        HandMadeRuns.WriteSweep(_root);
        var scan = RunLoader.Scan(_root);
        Assert.Empty(scan.Skipped);
        return Configurations.Group(scan.Runs);
    }

    [Fact]
    public void ConfigurationsTest_Group_SeedsOfOneConfigGoTogetherAndLabelsNameTheMethod()
    {
        var configurations = Sweep();
        // Only the method and the Kondo rate differ; the rate appears only where it is set.
        Assert.Equal(["dg", "kondo ρ=0.1", "pg"], configurations.Select(c => c.Label));
        Assert.Equal([0UL, 1, 2], configurations[0].Runs.Select(r => r.Seed));
        Assert.Equal(2, configurations[2].Runs.Count);
        Assert.DoesNotContain(configurations[0].Config, e => e.Key == "seed");
        Assert.Equal([false, true, false], configurations.Select(c => c.IsKondo));
    }

    [Fact]
    public void ConfigurationsTest_Group_DifferingValuesUseThePapersSymbols()
    {
        HandMadeRuns.Write(_root, "a", "dg", 0, [0.5], 0.5, [("eta", 0.5), ("lambda", 0)]);
        HandMadeRuns.Write(_root, "b", "dg", 0, [0.5], 0.5, [("eta", 1), ("lambda", 0)]);
        HandMadeRuns.Write(_root, "c", "dg", 1, [0.5], 0.5, [("eta", 1), ("lambda", 0), ("screen", "speculative")]);
        var labels = Configurations.Group(RunLoader.Scan(_root).Runs).Select(c => c.Label);
        Assert.Equal(["dg η=0.5", "dg η=1", "dg η=1 screen=speculative"], labels);
    }

    [Fact]
    public void ConfigurationsTest_Band_IsMeanAndStandardErrorOverSeedsAtCommonSteps()
    {
        var dg = Sweep()[0];
        // Seed 2 logged step 3 too; only steps 1 and 2 are common to all three seeds.
        Assert.Equal([1, 2], dg.CommonSteps());
        var band = dg.Band(s => s.Step);
        Assert.Equal(2, band.Count);
        // Step 1: errors 0.5, 0.7, 0.9 → mean 0.7; s² = (0.04 + 0 + 0.04) / 2 = 0.04, SE = 0.2 / √3.
        Assert.Equal(0.7, band[0].Error.Mean, 12);
        Assert.Equal(0.2 / Math.Sqrt(3), band[0].Error.StandardError, 12);
        // Step 2: errors 0.4, 0.4, 0.7 → mean 0.5; s² = (0.01 + 0.01 + 0.04) / 2 = 0.03, SE = √0.03 / √3 = 0.1.
        Assert.Equal(0.5, band[1].Error.Mean, 12);
        Assert.Equal(0.1, band[1].Error.StandardError, 12);
        Assert.Equal(3, band[1].Error.Count);
    }

    [Fact]
    public void ConfigurationsTest_Band_XIsTheSeedMeanOfCumulativeWork()
    {
        var dg = Sweep()[0];
        // 100 forward tokens per step: cumulative 100 at step 1, 200 at step 2.
        Assert.Equal([100.0, 200.0], dg.Band(s => s.ForwardTokens).Select(p => p.X));
        Assert.Equal([0.5, 1.0], dg.Band(s => s.WallSeconds).Select(p => p.X));
        // A metric no line carries (NaN) leaves the steps out instead of plotting zeros.
        Assert.Empty(dg.Band(_ => double.NaN));
    }

    [Fact]
    public void ConfigurationsTest_FinalError_IsMeanAndStandardError()
    {
        var dg = Sweep()[0];
        // 0.3, 0.4, 0.8 → mean 0.5; s² = (0.04 + 0.01 + 0.09) / 2 = 0.07; SE = √(0.07 / 3).
        Assert.Equal(0.5, dg.FinalError.Mean, 12);
        Assert.Equal(Math.Sqrt(0.07 / 3), dg.FinalError.StandardError, 12);
    }

    [Fact]
    public void ConfigurationsTest_MeanError_OneSeedHasNoSpreadAndNoneIsNaN()
    {
        Assert.Equal(new MeanError(0.25, 0, 1), MeanError.Of([0.25]));
        Assert.True(double.IsNaN(MeanError.Of([]).Mean));
        // Two seeds 0 and 1: mean 0.5, s = √0.5, SE = s / √2 = 0.5.
        Assert.Equal(0.5, MeanError.Of([0, 1]).StandardError, 12);
    }

    [Fact]
    public void ConfigurationsTest_DenseReference_IsTheUngatedTwinOfTheKondoRun()
    {
        var configurations = Sweep();
        // kondo is pg behind the gate: pg matches once the gate's keys are set aside, dg differs in the method.
        Assert.Equal("pg", Configurations.DenseReference(configurations)!.Label);
        Assert.Null(Configurations.DenseReference([.. configurations.Where(c => !c.IsKondo)]));
    }

    [Fact]
    public void ConfigurationsTest_CommonSteps_DisjointSeedsGiveNoCurve()
    {
        (string, JsonNode?)[] config = [("eta", 1)];
        HandMadeRuns.Write(_root, "odd", "dg", 0, [0.5, 0.4], 0.4, config, steps: [1, 3]);
        HandMadeRuns.Write(_root, "even", "dg", 1, [0.5, 0.4], 0.4, config, steps: [2, 4]);
        var configuration = Assert.Single(Configurations.Group(RunLoader.Scan(_root).Runs));
        Assert.Empty(configuration.CommonSteps());
        Assert.Empty(configuration.Band(s => s.Step));
    }
}
