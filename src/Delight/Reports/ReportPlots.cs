namespace Delight.Reports;

/// <summary>A finished plot: <see cref="Name"/> is a file stem (error-vs-steps), <see cref="Svg"/> an &lt;svg&gt; element.</summary>
public sealed record NamedPlot(string Name, string Title, string Caption, string Svg);

/// <summary>
/// The report's plots, made from configurations: error against steps, forward work, backward work and wall-clock
/// (mean ± SE bands over seeds), final error per configuration, and, when any configuration is behind the Kondo
/// gate, the quality–cost frontier. Each configuration keeps its colour (its index) in every plot.
/// </summary>
public static class ReportPlots
{
    const string ErrorLabel = "error (1 − mean reward)";

    public static IReadOnlyList<NamedPlot> Create(IReadOnlyList<Configuration> configurations)
    {
        var work = WorkUnit.For(configurations);
        var seeds = SeedsNote(configurations);
        var plots = new List<NamedPlot>
        {
            Curve(configurations, "error-vs-steps", "Error vs learner steps", "learner step", s => s.Step,
                $"Error of the policy's own samples at each logged step; line = mean, band = ± standard error over seeds ({seeds})."),
            Curve(configurations, "error-vs-forward-work", "Error vs forward work", $"cumulative forward {work.Name}", s => work.Forward(s),
                "The same error against the forward work the learner has done so far; x = mean over seeds at each step."),
            Curve(configurations, "error-vs-backward-work", "Error vs backward work", $"cumulative backward {work.Name}", s => work.Backward(s),
                "Against the backward work done so far: a gate that skips rows (Kondo) moves its curve left."),
            Curve(configurations, "error-vs-wall-clock", "Error vs wall-clock", "wall-clock seconds", s => s.WallSeconds,
                "Against elapsed training time (sampling, learning and logging), as measured by the trainer."),
            FinalErrors(configurations),
        };
        if (configurations.Any(c => c.IsKondo)) plots.Add(Frontier(configurations, work));
        return plots;
    }

    /// <summary>Writes each plot as <c>folder/Name.svg</c> (standalone SVG, atomically); returns the paths in plot order.</summary>
    public static IReadOnlyList<string> WriteSvgFiles(IReadOnlyList<NamedPlot> plots, string folder)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        foreach (var plot in plots)
        {
            var path = Path.Combine(folder, plot.Name + ".svg");
            SvgPlot.WriteFile(path, plot.Svg);
            paths.Add(path);
        }
        return paths;
    }

    static NamedPlot Curve(IReadOnlyList<Configuration> configurations, string name, string title, string xLabel,
        Func<RunStep, double> x, string caption)
    {
        var series = configurations.Select((c, i) =>
        {
            var band = c.Band(x);
            return new PlotSeries(c.Label, i, [.. band.Select(p => p.X)], [.. band.Select(p => p.Error.Mean)],
                [.. band.Select(p => p.Error.StandardError)]);
        }).ToArray();
        var plot = new LinePlot(title, xLabel, ErrorLabel, series);
        return new NamedPlot(name, title, caption, SvgPlot.Render(plot));
    }

    static NamedPlot FinalErrors(IReadOnlyList<Configuration> configurations)
    {
        const string title = "Final error per configuration";
        var bars = configurations.Select((c, i) => new PlotBar(c.Label, i, c.FinalError.Mean, c.FinalError.StandardError)).ToArray();
        var plot = new BarPlot(title, "final error (evaluation on fresh prompts), mean ± SE", bars);
        return new NamedPlot("final-error", title,
            "summary.json's final error (measured without frictions on fresh prompts); whisker = ± standard error over seeds.",
            SvgPlot.Render(plot));
    }

    /// <summary>Final error against total backward work: the price of quality. Relative to a dense run when one exists.</summary>
    static NamedPlot Frontier(IReadOnlyList<Configuration> configurations, WorkUnit work)
    {
        const string title = "Kondo gate: quality vs backward cost";
        var dense = Configurations.DenseReference(configurations);
        var denseWork = dense?.TotalWork(work.BackwardKey).Mean ?? double.NaN;
        var relative = double.IsFinite(denseWork) && denseWork > 0;
        var series = configurations.Select((c, i) =>
        {
            var total = c.TotalWork(work.BackwardKey).Mean;
            return new PlotSeries(c.Label, i, [relative ? total / denseWork : total], [c.FinalError.Mean],
                [c.FinalError.StandardError], Markers: true);
        }).ToArray();
        var xLabel = relative ? $"total backward {work.Name} relative to {dense!.Label}" : $"total backward {work.Name}";
        var plot = new LinePlot(title, xLabel, "final error, mean ± SE", series, XScale: AxisScale.Linear);
        var caption = relative
            ? $"Each configuration's final error against the backward work it spent, as a fraction of the dense configuration '{dense!.Label}' (at 1). Down and to the left is better."
            : "Each configuration's final error against the backward work it spent (no dense configuration in this report to compare with). Down and to the left is better.";
        return new NamedPlot("kondo-frontier", title, caption, SvgPlot.Render(plot));
    }

    static string SeedsNote(IReadOnlyList<Configuration> configurations)
    {
        var counts = configurations.Select(c => c.Runs.Count).Distinct().Order().ToArray();
        var text = counts.Length == 1 ? counts[0].ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{counts[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}–{counts[^1].ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return text == "1" ? "1 seed: no band" : text + " seeds";
    }

    /// <summary>
    /// FLOPs when every run logged them, else tokens: one unit for all configurations, so their curves share an axis.
    /// </summary>
    sealed record WorkUnit(string Name, string BackwardKey, Func<RunStep, double> Forward, Func<RunStep, double> Backward)
    {
        public static WorkUnit For(IReadOnlyList<Configuration> configurations)
        {
            var runs = configurations.SelectMany(c => c.Runs).ToArray();
            var flops = runs.All(r => r.Steps[^1].ForwardFlops > 0 && r.TotalWork("backward_flops") > 0);
            return flops
                ? new("FLOPs", "backward_flops", s => s.ForwardFlops, s => s.BackwardFlops)
                : new("tokens", "backward_tokens", s => s.ForwardTokens, s => s.BackwardTokens);
        }
    }
}
