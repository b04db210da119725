using System.Text.Json.Nodes;
using Delight.Reports;
using Delight.Runtime;
using static Delight.Experiments.Reproduce.Cells;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// The screening-signal ablation (papers.md claim 14): the Kondo gate at ρ = 0.1 ranking tokens by delight, advantage,
/// |advantage|, surprisal, uniform or additive priority, on token reversal (and MNIST at full scale).
/// </summary>
public sealed class ScreeningExperiment : SweepExperiment
{
    public static readonly string[] Priorities = ["delight", "advantage", "abs-advantage", "surprisal", "uniform", "additive"];

    public override string Name => "screening";
    public override string Description => "Kondo ρ = 0.1 with each screening priority (delight, advantage, |advantage|, surprisal, uniform, additive): error vs backward work (sweeps)";

    public override ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log, SweepContext context)
    {
        string[] tasks = scale == ReproduceScale.Full ? ["reversal", "mnist"] : ["reversal"];
        var rows = new List<IReadOnlyList<string>>();
        var raw = new JsonObject();
        var series = new List<PlotSeries>();
        var notes = new List<string>();
        foreach (var task in tasks)
        {
            var steps = task == "mnist" ? Steps(scale, context, full: 10_000, quick: 500) : Steps(scale, context, full: 1000, quick: 150);
            var options = new TrainOptions { Task = task, Method = "kondo", KondoRate = 0.1f, Steps = steps };
            if (task == "reversal") options = options with { PromptLength = 10, Vocabulary = 2 };
            var tables = RunSweep(task, options, [Axis("kondo-priority", Priorities)], seeds, outDirectory, context, log);
            var taskRaw = new JsonObject();
            foreach (var p in Priorities)
            {
                var row = tables.Find(("kondo-priority", p));
                rows.Add([task, p, SweepTables.Percent(row, "final_error"), General(row.Number("work_backward_rows_mean")), Paper(p)]);
                taskRaw[p] = new JsonObject { ["final_error"] = row.Number("final_error_mean"), ["final_error_se"] = row.Number("final_error_se"), ["backward_rows"] = row.Number("work_backward_rows_mean") };
            }
            raw[task] = taskRaw;
            var best = Priorities.MinBy(p => tables.Find(("kondo-priority", p)).Number("final_error_mean"))!;
            notes.Add($"{task}: lowest final error with {best} priority");
            series.Add(new PlotSeries(task, series.Count,
                [.. Priorities.Select(p => tables.Find(("kondo-priority", p)).Number("work_backward_rows_mean"))],
                [.. Priorities.Select(p => tables.Find(("kondo-priority", p)).Number("final_error_mean"))], Markers: true));
        }
        var plot = ExperimentFiles.WritePlot(outDirectory, "screening.svg", new LinePlot(
            "Kondo ρ = 0.1: final error vs backward rows, one point per priority (" + string.Join(", ", Priorities) + ")",
            "backward rows per run", "final error", series, AxisScale.Auto, AxisScale.Log));
        var table = new ResultTable($"Kondo ρ = 0.1 by screening priority; {seeds} seeds (mean ± s.e.)", ["task", "priority", "final error", "backward rows", "papers"], rows);
        var report = new ExperimentReport
        {
            Name = Name,
            Title = "screening: which signal should the Kondo gate rank by?",
            Setup = "`delight train --method kondo --kondo-rate 0.1 --kondo-priority P` for each priority, on reversal (H = 10, M = 2)"
                + (tasks.Length > 1 ? " and mnist" : "") + $". Scale: {ReproduceScales.Name(scale)}. Sweeps in `sweep/<task>/`.",
            Seeds = Invariant($"{seeds} (0..{seeds - 1}) per priority."),
            Tables = [table],
            Plots = [plot],
            Papers = "papers.md claim 14 [C][P][S]: delight best or equal everywhere without tuning; additive sensitive to α; surprisal-only poor "
                + "(it keeps surprising failures). No numbers given.",
            Comparison = string.Join("; ", notes) + ". At a fixed rate every priority does the same backward work, so the comparison is on error alone. "
                + (scale == ReproduceScale.Full ? "" : "Quick scale only: full-scale numbers are still to be produced."),
        };
        ExperimentFiles.WriteReport(outDirectory, report, raw);
        return report;
    }

    static string Paper(string priority) => priority switch
    {
        "delight" => "best or equal (no number given)",
        "surprisal" => "poor (no number given)",
        "additive" => "sensitive to α (no number given)",
        _ => "not given",
    };
}
