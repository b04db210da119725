using Delight.Losses;
using Delight.Screens;
using Delight.Frictions;
using System.Text.Json.Nodes;
using Delight.Reports;
using Delight.Runtime;
using static Delight.Experiments.Reproduce.Cells;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// Real Kondo savings on the transformer (issue 14): whole-row gates, where a row is the unit of backward cost, on token
/// reversal at H = 10, M = 2 and a longer H. DG against the deterministic top-ρ row rule, the rate-targeted stochastic
/// row gate (with and without Horvitz–Thompson weights) and a uniform-priority control at a comparable backward budget; per
/// configuration the final sampled error, the greedy sequence error, backward rows, wall-clock and the work to reach
/// 1 % and twice DG's final error.
/// </summary>
public sealed class KondoRowsExperiment : SweepExperiment
{
    /// <summary>The row rate ρ every Kondo configuration here targets.</summary>
    public const string Rate = "0.015";
    /// <summary>η of the stochastic row gate, on the scale of a row's summed delight.</summary>
    public const float Eta = 0.1f;
    /// <summary>The uniform control's rate, chosen to give about the delight gate's backward rows (about ¼ of random rows have U ≠ 0 early on).</summary>
    public const string MatchedUniformRate = "0.15";
    /// <summary>
    /// A second uniform control with at least the delight gate's budget: at 0.15 random rows used a third of its
    /// backward rows (late in training most random rows have U = 0); a trial at 0.45 (3 seeds) used 5,084 against its 3,670.
    /// </summary>
    public const string BudgetUniformRate = "0.45";
    /// <summary>η of the uniform control: far below the spread of a sum of ten uniform draws, so it keeps ≈ ρ of the rows.</summary>
    public const float UniformEta = 0.001f;

    /// <summary>
    /// The sharpest gate of a one-seed exploration at H = 10 (ρ ∈ {0.01, 0.02} × η ∈ {0.03, 0.3, 1} × mean/sum): on a row's
    /// mean delight, which is a tenth of the sum at H = 10, so η = 0.03 here is η = 0.3 on the sum. It kept about 3 rows a
    /// step, a ninth of DG's backward rows; flatter gates (η ≥ 0.3 on the mean) kept rows almost at random and failed.
    /// </summary>
    public const string SharpRate = "0.01";
    public const float SharpEta = 0.03f;

    /// <summary>
    /// The sharp mean-χ gate at η = 0.02 with twice the task's Adam step: in a second exploration (two seeds each,
    /// `results/kondo-rows/exploration-step/`) it met the H = 10 bar (a handful of rows a step, and none on many steps,
    /// makes few updates at the task's step). DG at the same larger step is unstable (the "dg, lr" control), so the
    /// larger step is the gate's, not a better setting DG was denied. At ten seeds it did not hold (two seeds fail at
    /// H = 10, two of five collapse at H = 14): it stays in the table as the negative result it is.
    /// </summary>
    public const string StepRate = "0.01";
    public const float StepEta = 0.02f;
    public const float StepLearningRate = 6e-4f;

    /// <summary>
    /// Seeds at the longer length, at most: its runs cost about 1.5× H = 10's, and the committed results were computed
    /// in one session's budget on the shared 2-core machine.
    /// </summary>
    public const int LongerSeeds = 5;

    public override string Name => "kondo-rows";
    public override string Description => "Kondo on reversal by whole rows: top-ρ rows, the rate-targeted stochastic row gate (± Horvitz–Thompson), a uniform control, vs DG at H = 10 and a longer H (sweeps)";

    /// <summary>(label, sweep group suffix, options) of every configuration at one length.</summary>
    public static IReadOnlyList<(string Label, string Group, TrainOptions Options)> Configurations(TrainOptions task, bool longer)
    {
        var rate = AsRate(Rate);
        var kondo = task with { Loss = new() { Method = Method.Kondo }, Screen = new() { Kondo = new() { Granularity = KondoGranularity.Row, Rate = rate } } };
        var stochastic = kondo with { Screen = new() { Kondo = kondo.Screen.Kondo with { Stochastic = true, Temperature = Eta, RowScore = KondoRowScore.Sum } } };
        var all = new List<(string, string, TrainOptions)>
        {
            ("dg", "dg", task with { Loss = new() { Method = Method.Dg } }),
            (Invariant($"stochastic rows ρ = {Rate}, η = {Eta}, Σχ"), "stochastic", stochastic),
            (Invariant($"stochastic rows ρ = {SharpRate}, η = {SharpEta}, mean χ"), "stochastic-sharp", stochastic with
            {
                Screen = new()
                {
                    Kondo = stochastic.Screen.Kondo with
                    {
                        Rate = AsRate(SharpRate), Temperature = SharpEta, RowScore = KondoRowScore.Mean,
                    },
                },
            }),
            (Invariant($"stochastic rows ρ = {StepRate}, η = {StepEta}, mean χ, lr {StepLearningRate}"), "stochastic-step", stochastic with
            {
                Screen = new() { Kondo = stochastic.Screen.Kondo with { Rate = AsRate(StepRate), Temperature = StepEta, RowScore = KondoRowScore.Mean } },
                Optimizer = stochastic.Optimizer with { LearningRate = StepLearningRate },
            }),
        };
        if (longer) return all;
        all.Add((Invariant($"dg, lr {StepLearningRate} (control)"), "dg-step", task with { Loss = new() { Method = Method.Dg }, Optimizer = task.Optimizer with { LearningRate = StepLearningRate } }));
        all.Add((Invariant($"top-ρ rows ρ = {Rate}"), "top-rows", kondo));
        all.Add((Invariant($"stochastic rows ρ = {Rate}, η = {Eta}, Σχ, Horvitz–Thompson"), "stochastic-ipw", stochastic with { Screen = new() { Kondo = stochastic.Screen.Kondo with { InversePropensity = true } } }));
        // Whole random rows: the stochastic row gate on a sum of uniform draws (the deterministic row rule would keep only
        // the uniformly gated tokens inside its rows).
        // At the delight gate's own ρ a random row has a non-zero advantage only about a quarter of the time, so the
        // control runs at a higher rate, chosen to give a comparable backward budget (the table reports the one it used).
        var uniform = stochastic with { Screen = new() { Kondo = stochastic.Screen.Kondo with { Priority = KondoPriority.Uniform, Temperature = UniformEta } } };
        all.Add((Invariant($"uniform control: random rows ρ = {MatchedUniformRate}"), "uniform-matched", uniform with { Screen = new() { Kondo = uniform.Screen.Kondo with { Rate = AsRate(MatchedUniformRate) } } }));
        all.Add((Invariant($"uniform control: random rows ρ = {BudgetUniformRate}"), "uniform-budget", uniform with { Screen = new() { Kondo = uniform.Screen.Kondo with { Rate = AsRate(BudgetUniformRate) } } }));
        return all;
    }

    /// <summary>A rate constant as the gate reads it (the constants are strings because they also label the table).</summary>
    static float AsRate(string rate) => float.Parse(rate, System.Globalization.CultureInfo.InvariantCulture);

    public override ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log, SweepContext context)
    {
        var steps = Steps(scale, context, full: 1000, quick: 150);
        int[] lengths = scale == ReproduceScale.Full ? [10, 14] : [10, 12];
        var rows = new List<IReadOnlyList<string>>();
        var raw = new JsonObject();
        var plots = new List<string>();
        var notes = new List<string>();
        foreach (var h in lengths)
        {
            var longer = h != lengths[0];
            var lengthSeeds = longer ? Math.Min(seeds, LongerSeeds) : seeds;
            var task = new TrainOptions { Task = new() { Name = "reversal", PromptLength = h, Vocabulary = 2 }, Steps = steps, Evaluation = new() { Every = EvalEvery(steps) } };
            var results = new List<Result>();
            foreach (var (label, group, options) in Configurations(task, longer))
            {
                var tables = RunSweep(Invariant($"h{h}-{group}"), options, [Axis("method", KebabCase.Of(options.Loss.Method))], lengthSeeds, outDirectory, context, log);
                var key = ("method", KebabCase.Of(options.Loss.Method));
                results.Add(new Result(label, tables.Find(key), WorkCurve.Of(tables, key), SeedStatistics.Of(tables.SeedSummaries("final.greedy_sequence_error", key))));
            }
            var dg = results[0];
            var dgFinal = dg.Row.Number("final_error_mean");
            var targets = new[] { 0.01, 2 * dgFinal };
            var dgCosts = targets.Select(t => dg.Curve.ToTarget(t)).ToArray();
            var hRaw = new JsonObject();
            foreach (var r in results)
            {
                var backward = r.Row.Number("work_backward_rows_mean");
                var costs = targets.Select(t => r.Curve.ToTarget(t)).ToArray();
                rows.Add([Invariant($"{h} ({lengthSeeds} seed{(lengthSeeds == 1 ? "" : "s")})"), r.Label, SweepTables.Percent(r.Row, "final_error"), MeanError(100 * r.Greedy.Mean, 100 * r.Greedy.StandardError, 2) + " %",
                    General(backward), Invariant($"{dg.Row.Number("work_backward_rows_mean") / backward:F1}×"), Fixed(r.Row.Number("wall_seconds_mean"), 1),
                    .. costs.SelectMany((c, i) => new[] { c is { } x ? General(x.Backward) : "not reached", Speedup(dgCosts[i]?.Wall, c?.Wall) })]);
                hRaw[r.Label] = new JsonObject
                {
                    ["final_error"] = r.Row.Number("final_error_mean"), ["final_error_se"] = r.Row.Number("final_error_se"),
                    ["greedy_sequence_error"] = r.Greedy.Mean, ["greedy_sequence_error_se"] = r.Greedy.StandardError,
                    ["backward_rows"] = backward, ["forward_rows"] = r.Row.Number("work_forward_rows_mean"), ["wall_seconds"] = r.Row.Number("wall_seconds_mean"),
                    ["to_1_percent"] = Cost(costs[0]), ["to_twice_dg"] = Cost(costs[1]),
                    ["eval_steps"] = ExperimentFiles.Numbers(r.Curve.Steps), ["eval_error"] = ExperimentFiles.Numbers(r.Curve.Error),
                };
            }
            raw[Invariant($"h{h}")] = hRaw;
            foreach (var (file, label, pick) in new (string, string, Func<WorkCurve, double[]>)[]
                { ("backward", "backward rows (cumulative)", c => c.Backward), ("wall", "wall-clock seconds", c => c.Wall) })
                plots.Add(ExperimentFiles.WritePlot(outDirectory, Invariant($"h{h}-error-vs-{file}.svg"), new LinePlot(
                    Invariant($"reversal H = {h}: error vs {label} ({lengthSeeds} seeds, ± s.e.)"), label, "error",
                    [.. results.Select((r, i) => new PlotSeries(r.Label, i, pick(r.Curve), r.Curve.Error, r.Curve.ErrorSe))], AxisScale.Auto, AxisScale.Log)));
            notes.Add(Verdict(h, results));
        }
        var table = new ResultTable(Invariant($"Reversal (M = 2), {steps} steps, seeds per H as marked (mean ± s.e.): final error of sampled answers, greedy sequence error, total backward rows per run, wall-clock, and the work to reach 1 % and 2× DG's final error"),
            ["H", "configuration", "final error", "greedy sequence error", "backward rows", "fewer than DG", "wall s", "to 1 %: backward rows", "wall-clock speed-up", "to 2× DG: backward rows", "wall-clock speed-up"], rows);
        var report = new ExperimentReport
        {
            Name = Name,
            Title = "kondo-rows: whole-row Kondo gates on reversal",
            Setup = Invariant($"`delight train --task reversal --method kondo --kondo-granularity row --kondo-rate {Rate}` (egg's top-ρ row rule: the top ⌈ρ·rows⌋ rows by their gated tokens' summed delight, only the gated tokens inside them); ")
                + Invariant($"with `--kondo-stochastic --kondo-eta {Eta} --kondo-row-score sum` the rate-targeted stochastic gate: one Bernoulli(σ((Σ_t χ_rt − λ)/η)) per row, λ the running (1 − ρ)-quantile of the last 1024 row scores (gate open for the first 128); ")
                + "`--kondo-ipw` divides kept rows by their keep probability (Horvitz–Thompson); the uniform control keeps whole random rows (`--kondo-priority uniform` through the same stochastic row gate with "
                + Invariant($"η = {UniformEta}, so about ρ of the rows), at ρ = {MatchedUniformRate}, chosen before the runs so that its rows with a non-zero advantage (about a quarter of random rows early in training) would be about the delight gate's backward rows, and at ρ = {BudgetUniformRate}, which spends more backward rows than the delight gate; the table shows the budget each really used. ")
                + "A row is the unit of backward cost on a transformer, so every configuration here decides whole rows. "
                + "final error = 1 − mean reward of the policy's own samples on fresh prompts (partial credit to the first error, the papers' measure); "
                + "greedy sequence error = fraction of held-out prompts whose greedy answer is not the exact reversal. "
                + "Backward rows count only rows with a non-zero coefficient (our DG already skips the rows of prompts whose samples all scored the same). "
                + "Wall-clock is the run's own clock including sampling and evaluation, with other processes sharing the 2-core machine, so it is noisy; "
                + "a speed-up is DG's wall-clock to the target over the configuration's. "
                + Invariant($"Scale: {ReproduceScales.Name(scale)}, {steps} steps; the learning rate is the task's (Adam 3e-4) except where a row says lr; the longer length runs DG and the three stochastic row gates without weights only. Sweeps in `sweep/h<H>-*/`."),
            Seeds = Invariant($"{seeds} (0..{seeds - 1}) per configuration at H = {lengths[0]}, {Math.Min(seeds, LongerSeeds)} at H = {lengths[1]}; the paper used 10."),
            Tables = [table],
            Plots = plots,
            Papers = "papers.md claim 13 [C][S]: on reversal (H = 10, M = 2) DG-K(3 %) ≈ DG ≈ 1e-4 error with far fewer backward passes; at a fixed budget "
                + "DG-K(3 %) solves longer reversals (H* ≈ 29) than DG (≈ 27); gains grow with H and with the backward cost. The papers' gate is "
                + "G ~ Bernoulli(σ((χ − λ)/η)) with λ set as the (1 − ρ)-quantile for a target rate (§3.2 [S][C]).",
            Comparison = string.Join(" ", notes),
        };
        ExperimentFiles.WriteReport(outDirectory, report, raw);
        return report;
    }

    sealed record Result(string Label, CsvRow Row, WorkCurve Curve, SeedStatistics Greedy);

    static JsonObject? Cost(WorkCurve.Cost? c) => c is null ? null
        : new JsonObject { ["step"] = c.Step, ["forward_rows"] = c.Forward, ["backward_rows"] = c.Backward, ["wall_seconds"] = c.Wall };

    static string Speedup(double? reference, double? method)
        => method is not { } m ? "not reached" : reference is not { } r ? "DG did not reach it" : Invariant($"{r / m:F1}×");

    /// <summary>Which configurations meet the issue's bar: within 2× DG's final error, ≥ 10× fewer backward rows, less wall-clock.</summary>
    static string Verdict(int h, IReadOnlyList<Result> results)
    {
        var dg = results[0];
        double dgError = dg.Row.Number("final_error_mean"), dgBackward = dg.Row.Number("work_backward_rows_mean"), dgWall = dg.Row.Number("wall_seconds_mean");
        var parts = results.Skip(1).Select(r =>
        {
            double error = r.Row.Number("final_error_mean"), backward = r.Row.Number("work_backward_rows_mean"), wall = r.Row.Number("wall_seconds_mean");
            var met = error <= 2 * dgError && dgBackward / backward >= 10 && wall < dgWall;
            // The papers speak of sequence error: the same bar read on greedy sequence error (within 2× of DG's, or both 0).
            var greedyWithin = r.Greedy.Mean <= 2 * dg.Greedy.Mean;
            return Invariant($"{r.Label}: {100 * error:F2} % ({error / Math.Max(dgError, 1e-12):F1}× DG's), greedy sequence error {100 * r.Greedy.Mean:F1} % ")
                + (greedyWithin ? "(within 2× DG's)" : "(above 2× DG's)")
                + Invariant($", {dgBackward / backward:F1}× fewer backward rows, wall-clock {dgWall / wall:F2}× DG's speed — ")
                + (met ? "meets the bar" : "misses the bar (" + string.Join(", ", new[]
                {
                    error > 2 * dgError ? "error above 2× DG's" : null,
                    dgBackward / backward < 10 ? "fewer than 10× fewer backward rows" : null,
                    wall >= dgWall ? "no wall-clock gain" : null,
                }.Where(x => x is not null)) + ")");
        });
        return Invariant($"H = {h}: DG ends at {100 * dgError:F3} % (greedy {100 * dg.Greedy.Mean:F1} %) with {dgBackward:G4} backward rows in {dgWall:F1} s. ") + string.Join("; ", parts) + ".";
    }
}
