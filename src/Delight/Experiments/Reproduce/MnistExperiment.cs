using System.Text.Json.Nodes;
using Delight.Reports;
using Delight.Runtime;
using static Delight.Experiments.Reproduce.Cells;

namespace Delight.Experiments.Reproduce;

/// <summary>MNIST contextual bandit (papers.md §1.3(a), claim 4): PG, DG and the supervised CE oracle, test error over training.</summary>
public sealed class MnistExperiment : SweepExperiment
{
    public static readonly string[] Methods = ["pg", "dg", "ce"];

    public override string Name => "mnist";
    public override string Description => "MNIST bandit, batch 100: PG vs DG vs the CE oracle, greedy test error over training (a sweep)";

    public override ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log, SweepContext context)
    {
        var steps = Steps(scale, context, full: 10_000, quick: 1500);
        var options = new TrainOptions { Task = new() { Name = "mnist" }, Steps = steps, Evaluation = new() { Every = EvalEvery(steps) } };
        var tables = RunSweep("methods", options, [Axis("method", Methods)], seeds, outDirectory, context, log);
        var paper = new Dictionary<string, string>
        {
            ["pg"] = "not given by the paper; 3.44 % in an independent 5-seed reproduction (claim 12)",
            ["dg"] = "not given by the paper; 2.67 % in an independent 5-seed reproduction (claim 12)",
            ["ce"] = "not given (lowest: CE < DG < PG)",
        };
        var rows = Methods.Select(m => (IReadOnlyList<string>)[m, tables.FinalError(("method", m)), SweepTables.Percent(tables.Find(("method", m)), "initial_error"), paper[m]]).ToList();
        var table = new ResultTable($"Final greedy test error after {steps} steps (mean ± s.e. over {seeds} seeds)",
            ["method", "final test error", "initial test error", "papers"], rows);
        var plot = ExperimentFiles.WritePlot(outDirectory, "mnist-test-error.svg",
            SweepPlots.Curves($"MNIST bandit: greedy test error ({seeds} seeds, ± s.e.)", "test error", tables, "eval_error", "method", Methods, AxisScale.Log));
        var final = Methods.ToDictionary(m => m, m => tables.Find(("method", m)).Number("final_error_mean"));
        var order = final["ce"] < final["dg"] && final["dg"] < final["pg"];
        var gap = (final["pg"] - final["dg"]) / (final["pg"] - final["ce"]);
        var report = new ExperimentReport
        {
            Name = Name,
            Title = "mnist: MNIST contextual bandit, PG vs DG vs CE",
            Setup = Invariant($"`delight train --task mnist` (MLP 784-100-100-10, batch 100, Adam 1e-3, expected-confidence baseline) for {steps} steps, ")
                + Invariant($"methods pg, dg (η = 1) and ce (supervised oracle); greedy test-set error every {EvalEvery(steps)} steps. ")
                + $"Scale: {ReproduceScales.Name(scale)}. The sweep, its CSVs and report.html are in `sweep/methods/`.",
            Seeds = Invariant($"{seeds} (0..{seeds - 1}) per method; the paper used 100."),
            Tables = [table],
            Plots = [plot],
            Papers = "papers.md claim 4 [S]: 10k steps; expect CE < DG < PG, DG about 2× faster than PG and closing about half of the "
                + "PG→CE gap. The paper gives no final-error numbers in the digest; an independent 5-seed reproduction (claim 12) found DG 2.67 %, PG 3.44 %.",
            Comparison = Invariant($"Ordering CE < DG < PG {(order ? "holds" : "does NOT hold")} in our runs; DG closes {100 * gap:F0} % of the PG→CE gap (paper: about half). ")
                + (steps < 10_000 ? Invariant($"These are {steps}-step runs, shorter than the paper's 10k, so the errors are higher than the paper's regime. ") : "")
                + Invariant($"With {seeds} seeds the s.e. is wide; the paper's 100 seeds are not matched."),
        };
        var raw = new JsonObject();
        foreach (var m in Methods)
        {
            var (s, mean, se) = tables.Curve("eval_error", ("method", m));
            raw[m] = new JsonObject { ["final_error"] = final[m], ["steps"] = ExperimentFiles.Numbers(s), ["eval_error"] = ExperimentFiles.Numbers(mean), ["eval_error_se"] = ExperimentFiles.Numbers(se) };
        }
        ExperimentFiles.WriteReport(outDirectory, report, raw);
        return report;
    }
}
