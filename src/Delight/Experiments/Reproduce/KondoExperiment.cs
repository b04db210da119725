using Delight.Losses;
using Delight.Screens;
using Delight.Frictions;
using System.Text.Json.Nodes;
using Delight.Reports;
using Delight.Runtime;
using static Delight.Experiments.Reproduce.Cells;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// The Kondo gate (papers.md §3.4, claims 12–13): PG, DG, and DG-K keeping the top ρ by delight or paying price λ = 0,
/// on MNIST and token reversal; final error, total forward and backward work and wall-clock from each summary.csv,
/// and the backward work to reach a target error against PG's.
/// </summary>
public sealed class KondoExperiment : SweepExperiment
{
    public static readonly string[] Rates = ["0.01", "0.03", "0.1", "0.3"];

    public override string Name => "kondo";
    public override string Description => "Kondo gate: pg, dg and kondo at ρ ∈ {1, 3, 10, 30 %} and λ = 0 on mnist and reversal: error, work, wall-clock (sweeps)";

    public override ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log, SweepContext context)
    {
        var rows = new List<IReadOnlyList<string>>();
        var raw = new JsonObject();
        var notes = new List<string>();
        var plots = new List<string>();
        var computeRows = new List<IReadOnlyList<string>>();
        foreach (var task in new[] { "mnist", "reversal" })
        {
            var steps = task == "mnist" ? Steps(scale, context, full: 10_000, quick: 500) : Steps(scale, context, full: 1000, quick: 150);
            var options = new TrainOptions { Task = new() { Name = task }, Steps = steps, Evaluation = new() { Every = EvalEvery(steps) } };
            if (task == "reversal") options = options with { Task = options.Task with { PromptLength = 10, Vocabulary = 2 } };
            // Three sweeps: the gate options only make sense for method kondo, and rate and price are exclusive.
            var baselines = RunSweep(task + "-baselines", options, [Axis("method", "pg", "dg")], seeds, outDirectory, context, log);
            var rates = RunSweep(task + "-rate", options with { Loss = new() { Method = Method.Kondo } }, [Axis("kondo-rate", Rates)], seeds, outDirectory, context, log);
            var price = RunSweep(task + "-price0", options with { Loss = new() { Method = Method.Kondo }, Screen = new() { Kondo = new() { Price = 0 } } }, [Axis("method", "kondo")], seeds, outDirectory, context, log);
            var configurations = new List<(string Label, SweepTables Tables, (string, string) Key)>
            {
                ("pg", baselines, ("method", "pg")), ("dg", baselines, ("method", "dg")),
            };
            configurations.AddRange(Rates.Select(r => ($"kondo ρ = {r}", rates, ("kondo-rate", r))));
            configurations.Add(("kondo λ = 0", price, ("method", "kondo")));

            // MNIST: the paper's 5 % against PG. Reversal: 1 %, which PG does not reach, so against DG.
            var (target, reference) = task == "mnist" ? (0.05, "pg") : (0.01, "dg");
            var referenceCost = WorkCurve.Of(baselines, ("method", reference)).ToTarget(target);
            var taskRaw = new JsonObject();
            var costs = new Dictionary<string, WorkCurve.Cost?>();
            var finals = new Dictionary<string, double>();
            var backwardTotals = new Dictionary<string, double>();
            var stalled = new Dictionary<string, int>();
            var curves = new List<(string Label, WorkCurve Curve)>();
            foreach (var (label, tables, key) in configurations)
            {
                var row = tables.Find(key);
                var curve = WorkCurve.Of(tables, key);
                curves.Add((label, curve));
                var cost = curve.ToTarget(target);
                costs[label] = cost;
                finals[label] = row.Number("final_error_mean");
                backwardTotals[label] = row.Number("work_backward_rows_mean");
                stalled[label] = tables.SeedFinalErrors(key).Count(e => e > StalledError);
                rows.Add([task, label, SweepTables.Percent(row, "final_error"), SweepTables.Percent(row, "final_greedy_sequence_error"), General(row.Number("work_forward_rows_mean")),
                    General(row.Number("work_backward_rows_mean")), Fixed(row.Number("wall_seconds_mean"), 1), Invariant($"{100 * target:F0} % vs {reference}"),
                    Speedup(referenceCost?.Forward, cost?.Forward), Speedup(referenceCost?.Backward, cost?.Backward), Speedup(referenceCost?.Wall, cost?.Wall), Paper(task, label)]);
                computeRows.Add([task, label, .. ComputeFactors.Select(c => Speedup(referenceCost?.Compute(c), cost?.Compute(c)))]);
                taskRaw[label] = new JsonObject
                {
                    ["final_error"] = row.Number("final_error_mean"), ["final_error_se"] = row.Number("final_error_se"),
                    ["greedy_sequence_error"] = row.Number("final_greedy_sequence_error_mean"), ["greedy_sequence_error_se"] = row.Number("final_greedy_sequence_error_se"),
                    ["forward_rows"] = row.Number("work_forward_rows_mean"), ["backward_rows"] = row.Number("work_backward_rows_mean"),
                    ["wall_seconds"] = row.Number("wall_seconds_mean"),
                    ["to_target"] = cost is { } c ? new JsonObject { ["step"] = c.Step, ["forward_rows"] = c.Forward, ["backward_rows"] = c.Backward, ["wall_seconds"] = c.Wall } : null,
                    ["eval_steps"] = ExperimentFiles.Numbers(curve.Steps), ["eval_error"] = ExperimentFiles.Numbers(curve.Error),
                };
            }
            foreach (var (file, label, pick) in new (string, string, Func<WorkCurve, double[]>)[]
                { ("forward", "forward rows (cumulative)", c => c.Forward), ("backward", "backward rows (cumulative)", c => c.Backward), ("wall", "wall-clock seconds", c => c.Wall) })
                plots.Add(ExperimentFiles.WritePlot(outDirectory, $"{task}-error-vs-{file}.svg", new LinePlot(
                    Invariant($"{task}: error vs {label} ({seeds} seeds, ± s.e.)"), label, "error",
                    [.. curves.Select((c, i) => new PlotSeries(c.Label, i, pick(c.Curve), c.Curve.Error, c.Curve.ErrorSe))], AxisScale.Auto, AxisScale.Log)));
            raw[task] = taskRaw;
            notes.Add(task == "mnist" ? MnistNote(finals, costs, referenceCost, stalled, seeds) : ReversalNote(finals, backwardTotals, steps));
        }
        var table = new ResultTable($"Final error, total work (mean per run) and wall-clock; speed-up to the target error over the reference method; {seeds} seeds",
            ["task", "method", "final error", "greedy sequence error", "forward rows", "backward rows", "wall s", "target", "speed-up: forward", "backward", "wall-clock", "papers"], rows);
        var computeTable = new ResultTable("Speed-up to the target in compute F + c·B (a backward pass costing c forwards), over the reference method",
            ["task", "method", .. ComputeFactors.Select(c => Invariant($"c = {c}"))], computeRows);
        var report = new ExperimentReport
        {
            Name = Name,
            Title = "kondo: the Kondo gate's compute savings",
            Setup = "`delight train --method kondo --kondo-rate ρ` (top-ρ by delight) and `--kondo-price 0` (keep χ > 0) against pg and dg, on mnist "
                + "and reversal (H = 10, M = 2); work counters and wall seconds are summary.csv's means per run. A speed-up is the reference method's cost "
                + "to reach the target error over the method's — in forward rows, backward rows, the papers' compute F + c·B (c = 4 is typical of LLMs) and "
                + "measured wall-clock — each summed over the steps until the mean error first reaches the target, interpolated linearly between the two "
                + "evaluations around the crossing. MNIST: the paper's 5 % target against PG. Reversal: 1 %, against DG, because PG never reaches it. "
                + "Our pg back-propagates only rows with a non-zero advantage (a prompt whose ten samples got the same reward has U = 0 on all of them), "
                + "so its backward rows are already below a full batch; the papers count a full backward for PG. "
                + "Wall-clock was measured with two runs sharing the 2-core machine, so it is noisier than the row counts. "
                + $"Scale: {ReproduceScales.Name(scale)}. Sweeps in `sweep/<task>-*/`.",
            Seeds = Invariant($"{seeds} (0..{seeds - 1}) per configuration; the paper used 30 (mnist) and 10 (reversal)."),
            Tables = [table, computeTable],
            Plots = plots,
            Papers = "papers.md claim 12 [S]: on MNIST DG-K(3 %) ≈ DG against forward passes, about 30–100× fewer backward passes to equal error; "
                + "an independent 5-seed reproduction found DG 2.67 %, DG-K(3 %) 2.99 %, PG 3.44 %. Claim 13 [C][S]: on reversal DG-K ≈ DG ≈ 1e-4 error, far fewer backward passes.",
            Comparison = string.Join(" ", notes) + " Wall-clock includes sampling, the forward pass and evaluation, which the gate does not touch, "
                + "so it shrinks less than the backward rows do. "
                + (scale == ReproduceScale.Full ? "" : "Quick-scale runs are far shorter than the paper's, so errors are higher; full-scale numbers are still to be produced."),
        };
        ExperimentFiles.WriteReport(outDirectory, report, raw);
        return report;
    }

    static readonly double[] ComputeFactors = [1, 2, 4, 8];

    /// <summary>An MNIST seed ending above this error has left (about) a digit class unlearned.</summary>
    const double StalledError = 0.08;

    static string MnistNote(Dictionary<string, double> finals, Dictionary<string, WorkCurve.Cost?> costs, WorkCurve.Cost? pg, Dictionary<string, int> stalled, int seeds)
    {
        const string k3 = "kondo ρ = 0.03";
        string Ratio(string label, Func<WorkCurve.Cost, double> pick)
            => costs[label] is { } c && pg is { } p ? Invariant($"{pick(p) / pick(c):F1}×") : "not reached";
        return Invariant($"MNIST: final error DG-K(3 %) {100 * finals[k3]:F2} % vs DG {100 * finals["dg"]:F2} % and PG {100 * finals["pg"]:F2} % ")
            + "(independent reproduction 2.99 / 2.67 / 3.44 %); "
            + $"to 5 % DG-K(3 %) used {Ratio(k3, c => c.Backward)} fewer backward rows than PG (paper: about 30–100×); "
            + $"compute speed-up at c = 4: DG {Ratio("dg", c => c.Compute(4))}, DG-K(3 %) {Ratio(k3, c => c.Compute(4))} (paper ≈ 2× and ≈ 6×); "
            + $"at c = 8: DG {Ratio("dg", c => c.Compute(8))}, DG-K(3 %) {Ratio(k3, c => c.Compute(8))} (paper ≈ 2× and ≈ 10×). "
            + Invariant($"Seeds ending above {100 * StalledError:F0} % (about one digit class never learned): ")
            + (stalled.Values.Any(n => n > 0) ? string.Join(", ", stalled.Where(s => s.Value > 0).Select(s => Invariant($"{s.Key} {s.Value} of {seeds}"))) : "none")
            + "; the means and the speed-ups against PG carry them (PG's mean curve reaches 5 % later because of its stalled seed). "
            + Invariant($"The zero-price gate (keep χ > 0: for the PG coefficients behind it, only successes) ends at {100 * finals["kondo λ = 0"]:F2} %: learning from no failures, it stalls most often.");
    }

    static string ReversalNote(Dictionary<string, double> finals, Dictionary<string, double> backward, int steps)
    {
        var good = finals.Where(f => f.Key.StartsWith("kondo", StringComparison.Ordinal) && f.Value <= Math.Max(2 * finals["dg"], 0.005)).Select(f => f.Key).ToArray();
        return Invariant($"Reversal: DG {100 * finals["dg"]:F2} %, PG {100 * finals["pg"]:F2} %; DG-K(3 %) ends at {100 * finals["kondo ρ = 0.03"]:F2} % and DG-K(1 %) at {100 * finals["kondo ρ = 0.01"]:F2} %, ")
            + (finals["kondo ρ = 0.03"] > 0.1 ? "so the paper's DG-K(3 %) ≈ DG ≈ 1e-4 is NOT reproduced at 1000 steps: keeping 30 of 1000 tokens a step is too few here. " : "close to the paper's DG-K(3 %) ≈ DG. ")
            + (good.Length == 0 ? "No Kondo setting reached DG's error. "
                : $"{string.Join(", ", good)} reach DG's quality (within 2× or under 0.5 %) with "
                    + string.Join(", ", good.Select(g => Invariant($"{backward["dg"] / backward[g]:F1}×"))) + " fewer backward rows over the run than DG: "
                    + Invariant($"DG itself back-propagates only {backward["dg"] / steps:F0} of 100 rows a step (the rest have zero advantage), and the gate keeps tokens, ")
                    + "while a transformer row with any kept token costs a whole backward, so the kept tokens of ρ = 0.1 still span most of those rows. ")
            + "The paper's reversal numbers are read off its figures by a secondary source [S] (same defaults: 1000 steps, 10 × 10 batch, Adam 3e-4).";
    }

    /// <summary>The reference method's cost over this method's; the reference is PG on MNIST and DG on reversal.</summary>
    static string Speedup(double? reference, double? method)
        => method is not { } m ? "not reached" : reference is not { } r ? "reference not reached" : Invariant($"{r / m:F1}×");

    static string Paper(string task, string label) => (task, label) switch
    {
        ("mnist", "pg") => "3.44 % (independent 5-seed reproduction)",
        ("mnist", "dg") => "2.67 % (independent 5-seed reproduction)",
        ("mnist", "kondo ρ = 0.03") => "2.99 % (independent); 30–100× fewer backward passes",
        ("reversal", "dg") or ("reversal", "kondo ρ = 0.03") => "≈ 1e-4 error (not given as a table)",
        _ => "not given",
    };
}

/// <summary>
/// A configuration's mean error at its evaluation steps beside the work done to reach each: forward and backward rows
/// summed over the steps up to it (mean over seeds of the per-step counts) and the wall-clock seconds logged there.
/// </summary>
sealed record WorkCurve(double[] Steps, double[] Error, double[] ErrorSe, double[] Forward, double[] Backward, double[] Wall)
{
    public static WorkCurve Of(SweepTables tables, (string Name, string Value) key)
    {
        var rows = tables.Aggregate.Where(r => r.Text(key.Name) == key.Value).OrderBy(r => r.Number("step")).ToArray();
        List<double> steps = [], error = [], se = [], forward = [], backward = [], wall = [];
        double f = 0, b = 0;
        foreach (var r in rows)
        {
            f += r.Number("forward_rows_mean");
            b += r.Number("backward_rows_mean");
            if (!double.IsFinite(r.Number("eval_error_mean"))) continue;
            steps.Add(r.Number("step")); error.Add(r.Number("eval_error_mean")); se.Add(r.Number("eval_error_se"));
            forward.Add(f); backward.Add(b); wall.Add(r.Number("wall_seconds_mean"));
        }
        return new([.. steps], [.. error], [.. se], [.. forward], [.. backward], [.. wall]);
    }

    /// <summary>
    /// The work where the mean error first reaches <paramref name="target"/>: interpolated linearly between the last
    /// evaluation above it and the first at or below it (evaluations are sparse, a tenth of the run apart); null if none is.
    /// </summary>
    public Cost? ToTarget(double target)
    {
        var i = Array.FindIndex(Error, e => e <= target);
        if (i < 0) return null;
        if (i == 0) return new Cost(Steps[0], Forward[0], Backward[0], Wall[0]);
        var t = (Error[i - 1] - target) / (Error[i - 1] - Error[i]);
        double At(double[] v) => v[i - 1] + t * (v[i] - v[i - 1]);
        return new Cost(At(Steps), At(Forward), At(Backward), At(Wall));
    }

    public sealed record Cost(double Step, double Forward, double Backward, double Wall)
    {
        /// <summary>The papers' compute with a backward pass c times as dear as a forward one.</summary>
        public double Compute(double c) => Forward + c * Backward;
    }
}
