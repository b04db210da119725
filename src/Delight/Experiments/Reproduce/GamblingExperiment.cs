using System.Text.Json.Nodes;
using Delight.Diagnostics.Bandits;
using Delight.Environments.Bandits;
using Delight.Losses;
using Delight.Numerics;
using Delight.Reports;
using static Delight.Experiments.Reproduce.Cells;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// The Kondo paper's gambling pathology (Prop. 3, §4.2; papers.md §3.3, claim 15): two arms with gap Δ, Gaussian
/// reward noise σ on the worse arm only. When σ/Δ ≫ 1 a lucky draw on the worse arm is a rare success to the gate,
/// so DG admits it and rejects the unlucky ones. Three measurements per σ/Δ, with the homoskedastic control (the same
/// σ on both arms): (a) the cosine of DG's exact expected update to ∇J at π(best) = <see cref="ProbeBest"/>; (b) the
/// share of probability on the worse arm where DG's exact expected dynamics, started at π = ½, come to rest; (c) the
/// share on the worse arm (the paper's error, the regret in units of Δ) after sampled SGD training, mean ± s.e.
/// </summary>
public sealed class GamblingExperiment : IExperiment
{
    public const double Gap = 0.5, ProbeBest = 0.95, LearningRate = 0.5;
    public const int BatchSize = 100;
    /// <summary>Below this the worse arm's share counts as gone (the dynamics head to the best arm).</summary>
    public const double Vanished = 1e-6;

    public string Name => "gambling";
    public string Description => "two-armed bandit with noise on the worse arm: where the delight gate is fooled, with the same-noise control";

    static readonly string[] s_methods = ["PG", "DG η = 1", "hard gate η = 0"];
    static UpdateRule[] Rules => [
        UpdateRule.PolicyGradient(Baseline.LearnerValue),
        UpdateRule.Delightful(Baseline.LearnerValue, temperature: 1),
        UpdateRule.Delightful(Baseline.LearnerValue, temperature: 0)];

    public sealed record Grid(double[] NoiseToGap, int Steps);

    public static Grid GridFor(ReproduceScale scale) => scale == ReproduceScale.Full
        ? new([0.1, 0.25, 0.5, 1, 2, 4, 8, 16], 2000)
        : new([0.25, 1, 4, 16], 150);

    /// <summary>One (σ/Δ, noise placement) point: per method, exact cosine, exact resting share, trained share.</summary>
    public sealed record Point(double NoiseToGap, bool BothArms, double[] Cosine, double[] RestingWorse, SeedStatistics[] TrainedWorse);

    public ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log)
    {
        var grid = GridFor(scale);
        var points = new List<Point>();
        foreach (var bothArms in new[] { false, true })
            foreach (var ratio in grid.NoiseToGap)
                points.Add(Measure(ratio, bothArms, seeds, grid.Steps));
        log.WriteLine(Invariant($"gambling: {points.Count} points; wrote {outDirectory}"));

        var tables = new List<ResultTable>();
        foreach (var bothArms in new[] { false, true })
            tables.Add(new ResultTable(
                Invariant($"{(bothArms ? "Control: the same noise on both arms" : "Noise on the worse arm only")} (Δ = {Gap}; baseline V_π exact, batch mean when sampled; {seeds} seeds × {grid.Steps} SGD steps, B = {BatchSize}, lr {LearningRate})"),
                ["σ/Δ", "cos(ḡ, ∇J) at π(best) = 0.95: PG / DG / hard", "exact resting π(worse): PG / DG / hard", "trained π(worse) PG", "trained π(worse) DG", "trained π(worse) hard gate", "paper (claim 15)"],
                [.. points.Where(p => p.BothArms == bothArms).Select(p => (IReadOnlyList<string>)[
                    General(p.NoiseToGap),
                    Invariant($"{p.Cosine[0]:F2} / {p.Cosine[1]:F2} / {p.Cosine[2]:F2}"),
                    string.Join(" / ", p.RestingWorse.Select(Share)),
                    MeanError(p.TrainedWorse[0].Mean, p.TrainedWorse[0].StandardError, 4),
                    MeanError(p.TrainedWorse[1].Mean, p.TrainedWorse[1].StandardError, 4),
                    MeanError(p.TrainedWorse[2].Mean, p.TrainedWorse[2].StandardError, 4),
                    PaperExpectation(p.NoiseToGap, bothArms)])]));

        var plots = new List<string>
        {
            ExperimentFiles.WritePlot(outDirectory, "trained-worse-share.svg", TrainedPlot(points, seeds, grid.Steps)),
            ExperimentFiles.WritePlot(outDirectory, "resting-worse-share.svg", RestingPlot(points)),
        };
        var report = new ExperimentReport
        {
            Name = Name,
            Title = "gambling: when the delight gate is fooled by reward noise",
            Setup = Invariant($"Two arms: the best pays 1 (+ σ·ε in the control), the worse 1 − Δ + σ·ε, Δ = {Gap}, σ/Δ swept. ")
                + "(a) cos of the exact expected update (ExactGradients, baseline V_π) to ∇J at π(best) = 0.95; with two arms it is ±1, "
                + "+1 while the update still favours the best arm. (b) the worse arm's probability where the exact expected "
                + Invariant($"dynamics started at π = ½ stop (ḡ = 0; '0' means below {Vanished:G1}, '1' above 1 − {Vanished:G1}). ")
                + Invariant($"(c) SGD on the two logits from π = ½: {grid.Steps} steps of B = {BatchSize} samples, grouped baseline ")
                + "(batch mean), production losses (Reinforce, DelightfulPg η = 1, DelightfulPg η = 0, λ = 0 — Kondo's zero-price "
                + "gate, standing in for DG-K), final π(worse) = the paper's error (regret / Δ).",
            Seeds = Invariant($"{seeds} seeds for the trained column (mean ± s.e.); (a) and (b) are exact."),
            Tables = tables,
            Plots = plots,
            Papers = "papers.md §3.3, claim 15 [S]: for σ/Δ ≫ 1 the gate frequently admits lucky draws on the bad arm and DG / DG-K "
                + "degrade; with homoskedastic noise DG and PG degrade together. The paper used 30 seeds; its Δ, σ and baseline "
                + "were not recovered, so there are no numbers to compare.",
            Comparison = Comparison(points),
        };
        var raw = new JsonObject
        {
            ["gap"] = Gap, ["probeBest"] = ProbeBest, ["steps"] = grid.Steps, ["batchSize"] = BatchSize, ["learningRate"] = LearningRate,
            ["seedCount"] = seeds, ["methods"] = new JsonArray([.. s_methods.Select(m => JsonValue.Create(m))]),
            ["points"] = new JsonArray([.. points.Select(p => (JsonNode)new JsonObject
            {
                ["noiseToGap"] = p.NoiseToGap, ["bothArms"] = p.BothArms,
                ["cosine"] = ExperimentFiles.Numbers(p.Cosine), ["restingWorse"] = ExperimentFiles.Numbers(p.RestingWorse),
                ["trainedWorseMean"] = ExperimentFiles.Numbers(p.TrainedWorse.Select(s => s.Mean)),
                ["trainedWorseStandardError"] = ExperimentFiles.Numbers(p.TrainedWorse.Select(s => s.StandardError)),
            })]),
        };
        ExperimentFiles.WriteReport(outDirectory, report, raw);
        return report;
    }

    public static GamblingBandit Model(double noiseToGap, bool bothArms) => new(new GamblingOptions
    {
        Gap = Gap, ArmNoiseStd = noiseToGap * Gap, BestArmNoiseStd = bothArms ? noiseToGap * Gap : 0,
    });

    public static Point Measure(double noiseToGap, bool bothArms, int seeds, int steps)
    {
        var model = Model(noiseToGap, bothArms);
        var exact = new ExactGradients(model);
        var gradient = new double[2];
        var update = new double[2];
        exact.SetLogits(LogitsFor(1 - ProbeBest));
        exact.TrueGradient(gradient);
        var cosines = new double[3];
        var resting = new double[3];
        for (var m = 0; m < 3; m++)
        {
            exact.ExpectedUpdate(Rules[m], ContaminationOptions.None, update);
            cosines[m] = GradientGeometry.Cosine<double, double>(update, gradient);
        }
        // After the cosines: the search below moves the policy.
        for (var m = 0; m < 3; m++) resting[m] = RestingWorseShare(exact, Rules[m]);
        ILoss[] losses = [new Reinforce(), new DelightfulPg(1f), new DelightfulPg(0f, 0f)];
        var trained = new SeedStatistics[3];
        for (var m = 0; m < 3; m++)
        {
            var finals = new double[seeds];
            for (var s = 0; s < seeds; s++)
                finals[s] = TrainedWorseShare(model, losses[m], steps, new Rng((ulong)s + 1).Split(Invariant($"gambling/{noiseToGap:R}/{bothArms}/{m}")));
            trained[m] = SeedStatistics.Of(finals);
        }
        return new Point(noiseToGap, bothArms, cosines, resting, trained);
    }

    /// <summary>Logits [best, worse] with π(worse) = <paramref name="worse"/>.</summary>
    static double[] LogitsFor(double worse) => [0, Math.Log(worse / (1 - worse))];

    /// <summary>The worse arm's logit component of the expected update at π(worse) = x: positive pushes toward it.</summary>
    static double PushToWorse(ExactGradients exact, in UpdateRule rule, double worse)
    {
        Span<double> update = stackalloc double[2];
        exact.SetLogits(LogitsFor(worse));
        exact.ExpectedUpdate(rule, ContaminationOptions.None, update);
        return update[GamblingBandit.WorseArm];
    }

    /// <summary>
    /// Where the expected dynamics dθ/dt = ḡ(θ), started at π(worse) = ½, come to rest: they move toward the worse arm
    /// while the push is positive, so follow the push's sign along a logit grid to its first sign change and bisect.
    /// </summary>
    public static double RestingWorseShare(ExactGradients exact, UpdateRule rule)
    {
        var limit = Math.Log((1 - Vanished) / Vanished);
        var direction = PushToWorse(exact, rule, 0.5) > 0 ? 1.0 : -1.0;
        const int gridPoints = 400;
        double previous = 0;
        for (var i = 1; i <= gridPoints; i++)
        {
            var z = direction * limit * i / gridPoints;  // logit of π(worse)
            if (Math.Sign(PushToWorse(exact, rule, Sigmoid(z))) == (int)direction) { previous = z; continue; }
            double low = previous, high = z;
            for (var k = 0; k < 60; k++)
            {
                var mid = 0.5 * (low + high);
                if (Math.Sign(PushToWorse(exact, rule, Sigmoid(mid))) == (int)direction) low = mid; else high = mid;
            }
            return Sigmoid(0.5 * (low + high));
        }
        return direction > 0 ? 1 : 0;
    }

    static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>π(worse) after <paramref name="steps"/> SGD steps θ ← θ + lr·ĝ from π = ½.</summary>
    public static double TrainedWorseShare(IBanditModel model, ILoss loss, int steps, Rng rng)
    {
        var batch = new TabularBatch(model, BatchSize);
        double[] logits = [0, 0];
        var update = new double[2];
        for (var t = 0; t < steps; t++)
        {
            batch.Sample(logits, ContaminationOptions.None, constantBaseline: null, rng);
            batch.Update(loss, update);
            for (var k = 0; k < 2; k++) logits[k] += LearningRate * update[k];
        }
        return Sigmoid(logits[GamblingBandit.WorseArm] - logits[GamblingBandit.BestArm]);
    }

    static string Share(double share) => share <= Vanished ? "0" : share >= 1 - Vanished ? "1" : Fixed(share, 3);

    static string PaperExpectation(double ratio, bool bothArms) => bothArms
        ? "DG and PG degrade together"
        : ratio > 1 ? "σ/Δ ≫ 1: DG, DG-K degrade" : "σ/Δ small: DG fine";

    static LinePlot TrainedPlot(IReadOnlyList<Point> points, int seeds, int steps)
    {
        var series = new List<PlotSeries>();
        foreach (var bothArms in new[] { false, true })
            for (var m = 0; m < 3; m++)
            {
                var mine = points.Where(p => p.BothArms == bothArms).ToArray();
                series.Add(new PlotSeries(Invariant($"{s_methods[m]}, {(bothArms ? "both arms noisy" : "worse arm noisy")}"), m + (bothArms ? 7 : 0),
                    [.. mine.Select(p => p.NoiseToGap)], [.. mine.Select(p => p.TrainedWorse[m].Mean)], [.. mine.Select(p => p.TrainedWorse[m].StandardError)]));
            }
        return new LinePlot(Invariant($"π(worse) after {steps} SGD steps (mean ± s.e., {seeds} seeds)"), "σ/Δ", "π(worse arm) = error", series, AxisScale.Log);
    }

    static LinePlot RestingPlot(IReadOnlyList<Point> points)
    {
        var series = new List<PlotSeries>();
        foreach (var bothArms in new[] { false, true })
            for (var m = 1; m < 3; m++)
            {
                var mine = points.Where(p => p.BothArms == bothArms).ToArray();
                series.Add(new PlotSeries(Invariant($"{s_methods[m]}, {(bothArms ? "both arms noisy" : "worse arm noisy")}"), m + (bothArms ? 7 : 0),
                    [.. mine.Select(p => p.NoiseToGap)], [.. mine.Select(p => p.RestingWorse[m])], Markers: true));
            }
        return new LinePlot("Where DG's exact expected dynamics stop: π(worse)", "σ/Δ", "resting π(worse arm)", series, AxisScale.Log);
    }

    static string Comparison(IReadOnlyList<Point> points)
    {
        string Fooled(bool bothArms, int m)
        {
            var fooled = points.Where(p => p.BothArms == bothArms && p.Cosine[m] < 0).Select(p => p.NoiseToGap).ToArray();
            return fooled.Length == 0 ? "never (within the grid)" : Invariant($"from σ/Δ = {fooled.Min():G3}");
        }
        var largest = points.Max(p => p.NoiseToGap);
        var worst = points.Single(p => !p.BothArms && p.NoiseToGap == largest);
        var control = points.Single(p => p.BothArms && p.NoiseToGap == largest);
        return Invariant($"With noise on the worse arm only, DG's expected update at π(best) = 0.95 points away from ∇J {Fooled(false, 1)}, ")
            + Invariant($"the hard gate's {Fooled(false, 2)}; PG's never does (it is ∇J). ")
            + Invariant($"At σ/Δ = {largest:G3} the exact DG dynamics rest at π(worse) = {Share(worst.RestingWorse[1])} and training ends at ")
            + Invariant($"{worst.TrainedWorse[1].Mean:F3} for DG, {worst.TrainedWorse[2].Mean:F3} for the hard gate and {worst.TrainedWorse[0].Mean:F3} for PG. ")
            + Invariant($"In the control (same σ on both arms) DG's expected update is fooled {Fooled(true, 1)}; at σ/Δ = {largest:G3} training ends at ")
            + Invariant($"{control.TrainedWorse[1].Mean:F3} (DG), {control.TrainedWorse[2].Mean:F3} (hard gate) and {control.TrainedWorse[0].Mean:F3} (PG). ")
            + "The paper's Δ, σ grid and seeds (30) were not recovered, so only the qualitative claim can be compared.";
    }
}
