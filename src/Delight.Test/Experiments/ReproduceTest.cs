using System.Text.Json;
using Delight.Cli;
using Delight.Diagnostics.Bandits;
using Delight.Environments.Bandits;
using Delight.Experiments.Reproduce;

namespace Delight.Test.Experiments;

/// <summary>`delight reproduce`: every experiment runs at the quick scale and writes its files, with known values checked.</summary>
public sealed class ReproduceTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-reproduce-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    ExperimentReport RunQuick(string name, int seeds = 2)
    {
        var outDir = Path.Combine(_folder, name);
        var report = ExperimentCatalog.Find(name).Run(ReproduceScale.Quick, seeds, outDir, TextWriter.Null);
        Assert.Equal(name, report.Name);
        var markdown = File.ReadAllText(Path.Combine(outDir, name + ".md"));
        Assert.Contains("| paper", markdown);        // every table has the papers' column
        Assert.Contains("**The papers:**", markdown);
        Assert.Contains("**Seeds:**", markdown);
        Assert.DoesNotContain("NaN", markdown);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, name + ".json")));
        Assert.Equal(name, json.RootElement.GetProperty("experiment").GetString());
        Assert.NotEmpty(report.Plots);
        foreach (var plot in report.Plots)
        {
            Assert.StartsWith("<?xml", File.ReadAllText(Path.Combine(outDir, plot)));
            Assert.Contains($"]({plot})", markdown);
        }
        return report;
    }

    [Fact]
    public void ReproduceTest_Gate_LearnerGatesEqualTheClosedFormsAndLimits()
    {
        var report = RunQuick("gate");
        Assert.Equal(GateExperiment.Settings.Count * GateExperiment.Cases.Count, report.Tables[0].Rows.Count);
        foreach (var (eta, lambda, _) in GateExperiment.Settings)
        {
            var u = GateExperiment.Cases.Select(c => c.U).ToArray();
            var p = GateExperiment.Cases.Select(c => c.Probability).ToArray();
            var gates = GateExperiment.LearnerGates(eta, lambda, u, p);
            for (var i = 0; i < u.Length; i++)
                Assert.Equal(GateExperiment.ClosedFormGate(u[i] * -Math.Log(p[i]), eta, lambda), gates[i], 1e-6);
        }
        double[] advantages = [0.5, -0.5, 0.5, -0.5];
        double[] probabilities = [1e-3, 1e-3, 0.99, 0.99];
        var paper = GateExperiment.LearnerGates(1, 0, advantages, probabilities);
        Assert.True(paper[0] > 0.96);                                    // rare success → 1
        Assert.True(paper[1] <= Math.Sqrt(1e-3));                        // Lemma 1: ≤ π^(1/(2η))
        Assert.Equal(0.5, paper[2], 0.01);                               // common actions ≈ ½
        Assert.Equal(0.5, paper[3], 0.01);
        Assert.All(GateExperiment.LearnerGates(GateExperiment.LargeTemperature, 0, advantages, probabilities), g => Assert.Equal(0.5, g, 1e-3));
        Assert.Equal([1f, 0f, 1f, 0f], GateExperiment.LearnerGates(0, 0, advantages, probabilities));
    }

    [Fact]
    public void ReproduceTest_BanditDirections_DgCloserToTheOracleAtEtaOne()
    {
        var report = RunQuick("bandit-directions");
        var table = report.Tables[0];
        var pg = table.Columns.ToList().IndexOf("PG");
        var dg = table.Columns.ToList().IndexOf("DG η = 1");
        foreach (var row in table.Rows.Where(r => r[0] != "0.9"))  // a mixed profile: half the contexts easier
            Assert.True(double.Parse(row[dg], System.Globalization.CultureInfo.InvariantCulture) > double.Parse(row[pg], System.Globalization.CultureInfo.InvariantCulture), string.Join(" | ", row));
        var random = report.Tables[1].Rows.Single(r => r[0] == "1");
        Assert.Equal("20 / 20", random[1]);
    }

    [Fact]
    public void ReproduceTest_BanditContamination_ExactIdentitiesAndBatchesRun()
    {
        RunQuick("bandit-contamination");
        foreach (var source in new[] { ContaminationSource.Uniform, ContaminationSource.FixedArm })
        {
            var point = BanditContaminationExperiment.Measure(source, 0.1, 0.01, seeds: 2, batchesPerSeed: 3);
            Assert.Equal(1, point.Exact[1], 1e-9);                               // exact IS-PG is ∇J under any contamination
            Assert.All(point.Sampled, s => Assert.InRange(s.Mean, -1, 1));
            Assert.True(point.Sampled[2].Mean > point.Sampled[0].Mean);        // DG's batches point better than PG's
        }
        var onPolicy = BanditContaminationExperiment.Measure(ContaminationSource.Uniform, 0, 0.1, seeds: 1, batchesPerSeed: 1);
        Assert.Equal(1, onPolicy.Exact[0], 1e-9);                                // on-policy PG is ∇J
        Assert.Equal(1, onPolicy.Exact[2], 1e-9);                                // symmetric bandit: DG keeps ∇J's direction (Prop. 1)
    }

    [Fact]
    public void ReproduceTest_BanditContamination_DgAtLargeEtaHasPgsDirection()
    {
        var model = new ArmedBandit(new ArmedBanditOptions { ArmCount = 10 });
        var exact = new ExactGradients(model);
        exact.SetLogits([2.0, 0.5, -1, 0, 0.3, 0, 0, 1, 0, -0.2]);
        var contamination = ContaminationOptions.FixedArm(0.2, 3);
        double[] pg = new double[10], dg = new double[10];
        exact.ExpectedUpdate(UpdateRule.PolicyGradient(Baseline.Constant(0.5)), contamination, pg);
        exact.ExpectedUpdate(UpdateRule.Delightful(Baseline.Constant(0.5), temperature: 1e7), contamination, dg);
        Assert.Equal(1, GradientGeometry.Cosine<double, double>(pg, dg), 1e-9);
    }

    [Fact]
    public void ReproduceTest_Gambling_FooledOnlyWithNoiseAndPgNever()
    {
        RunQuick("gambling");
        var quiet = GamblingExperiment.Measure(0.1, bothArms: false, seeds: 2, steps: 50);
        var noisy = GamblingExperiment.Measure(16, bothArms: false, seeds: 2, steps: 50);
        Assert.Equal(1, quiet.Cosine[0], 1e-9);
        Assert.Equal(1, noisy.Cosine[0], 1e-9);                  // PG's expected update is ∇J
        Assert.Equal(1, quiet.Cosine[1], 1e-9);                  // σ/Δ ≪ 1: DG follows ∇J
        Assert.Equal(-1, noisy.Cosine[1], 1e-9);                 // σ/Δ ≫ 1: the gate is fooled
        Assert.Equal(0, quiet.RestingWorse[1]);                  // DG's expected dynamics reach the best arm…
        Assert.True(noisy.RestingWorse[1] > 0.5);                // …or rest on the worse one
    }

    [Theory]
    [InlineData("nope", "--scale", "quick", "unknown experiment 'nope': use one of gate, bandit-directions")]
    [InlineData("gate", "--scale", "huge", "unknown --scale 'huge': use quick or full")]
    [InlineData("gate", "--seeds", "0", "--seeds 0 is out of range; give a value from 1 to 1000")]
    public void ReproduceTest_Cli_BadInputIsOneLineExitTwo(string name, string option, string value, string expected)
    {
        var outDir = Path.Combine(_folder, "bad");
        var error = new StringWriter();
        var code = Program.Run(["reproduce", name, option, value, "--out", outDir], TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.Contains(expected, error.ToString());
        Assert.Single(error.ToString().TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ReproduceTest_Cli_RunsAndListsOnlyTheCatalog()
    {
        var outDir = Path.Combine(_folder, "cli-gate");
        var output = new StringWriter();
        Assert.Equal(0, Program.Run(["reproduce", "gate", "--out", outDir], output, TextWriter.Null));
        Assert.True(File.Exists(Path.Combine(outDir, "gate.md")));
        Assert.Contains("gate (quick)", output.ToString());
        Assert.Equal(["gate", "bandit-directions", "bandit-contamination", "gambling", "mnist", "mnist-staleness", "reversal-frictions", "kondo", "kondo-rows", "screening"], ExperimentCatalog.Names);
    }
}
