using System.Text;
using static Delight.Reports.Markup;

namespace Delight.Reports;

/// <summary>
/// Draws <see cref="LinePlot"/> and <see cref="BarPlot"/> as SVG: a frame, grid and nice-number ticks, axis labels,
/// a title and a legend, in plain SVG 1.1 with no scripts, fonts or external references. <see cref="Render(LinePlot)"/>
/// returns an &lt;svg&gt; element to inline in HTML; <see cref="WriteFile"/> writes it as a standalone .svg file.
/// </summary>
public static class SvgPlot
{
    const double Width = 640;
    const double Left = 68, Right = Width - 18, Top = 40, PlotHeight = 260;
    const double CharWidth = 6.8; // average sans-serif glyph at 12px: enough to lay out legends and labels

    public static string Render(LinePlot plot)
    {
        var series = plot.Series.Select(Clean).Where(s => s.X.Count > 0).ToArray();
        var xs = series.SelectMany(s => s.X).ToArray();
        var lows = series.SelectMany(s => s.Y.Select((y, i) => y - SpreadAt(s, i))).ToArray();
        var highs = series.SelectMany(s => s.Y.Select((y, i) => y + SpreadAt(s, i))).ToArray();
        var bottom = Top + PlotHeight;
        // Dots drawn on the frame would be cut in half: give marker plots a little room on the x axis.
        // On a log axis the room is a factor, not a difference, which would push small values below zero and off the axis.
        var markers = series.Any(s => s.Markers) && xs.Length > 0;
        var x = plot.XScale == AxisScale.Log && xs.All(v => v > 0)
            ? LogPaddedAxis(xs, markers)
            : LinearPaddedAxis(xs, markers, plot.XScale);
        var y = Axis.Create(lows, highs, plot.YScale, bottom, Top);
        var legendRows = LegendRows(series.Select(s => s.Label).ToArray());
        var height = bottom + 58 + legendRows.Count * 20;

        var svg = Begin(plot.Title, height);
        Grid(svg, x, y, bottom);
        svg.Append($"<text x=\"{Coordinate((Left + Right) / 2)}\" y=\"{Coordinate(bottom + 38)}\" text-anchor=\"middle\">{Escape(plot.XLabel)}{(x.IsLog ? " (log scale)" : "")}</text>\n");
        YLabel(svg, plot.YLabel, (Top + bottom) / 2);
        if (series.Length == 0)
            svg.Append($"<text x=\"{Coordinate((Left + Right) / 2)}\" y=\"{Coordinate((Top + bottom) / 2)}\" text-anchor=\"middle\" fill=\"#777\">no data</text>\n");
        foreach (var s in series) DrawSeries(svg, s, x, y);
        Legend(svg, series, legendRows, bottom + 58);
        return End(svg);
    }

    static Axis LinearPaddedAxis(double[] xs, bool markers, AxisScale scale)
    {
        var padding = markers ? Math.Max(0.04 * (xs.Max() - xs.Min()), 0.02 * Math.Abs(xs.Max())) : 0;
        return Axis.Create([.. xs.Select(v => v - padding)], [.. xs.Select(v => v + padding)], scale, Left, Right);
    }

    static Axis LogPaddedAxis(double[] xs, bool markers)
    {
        var factor = markers ? Math.Pow(10, Math.Max(0.04 * Math.Log10(xs.Max() / xs.Min()), 0.02)) : 1;
        return Axis.Create([.. xs.Select(v => v / factor)], [.. xs.Select(v => v * factor)], AxisScale.Log, Left, Right);
    }

    public static string Render(BarPlot plot)
    {
        var bars = plot.Bars.Where(b => double.IsFinite(b.Value)).ToArray();
        var left = Math.Clamp(24 + CharWidth * bars.Select(b => b.Label.Length).DefaultIfEmpty(4).Max(), 80, 300);
        const double barHeight = 22, gap = 10;
        var bottom = Top + Math.Max(1, bars.Length) * (barHeight + gap) + gap;
        var lows = bars.Select(b => Math.Min(0, b.Value - Finite(b.Spread))).Append(0).ToArray();
        var highs = bars.Select(b => b.Value + Finite(b.Spread)).Append(0).ToArray();
        var value = Axis.Create(lows, highs, AxisScale.Linear, left, Right);
        var height = bottom + 50;

        var svg = Begin(plot.Title, height);
        for (var i = 0; i < value.Ticks.Length; i++)
        {
            var px = Coordinate(value.Map(value.Ticks[i]));
            svg.Append($"<line x1=\"{px}\" y1=\"{Coordinate(Top)}\" x2=\"{px}\" y2=\"{Coordinate(bottom)}\" stroke=\"#e3e3e3\"/>\n");
            svg.Append($"<text x=\"{px}\" y=\"{Coordinate(bottom + 16)}\" text-anchor=\"middle\">{Escape(value.Labels[i])}</text>\n");
        }
        svg.Append($"<rect x=\"{Coordinate(left)}\" y=\"{Coordinate(Top)}\" width=\"{Coordinate(Right - left)}\" height=\"{Coordinate(bottom - Top)}\" fill=\"none\" stroke=\"#444\"/>\n");
        svg.Append($"<text x=\"{Coordinate((left + Right) / 2)}\" y=\"{Coordinate(bottom + 38)}\" text-anchor=\"middle\">{Escape(plot.ValueLabel)}</text>\n");
        if (bars.Length == 0)
            svg.Append($"<text x=\"{Coordinate((left + Right) / 2)}\" y=\"{Coordinate((Top + bottom) / 2)}\" text-anchor=\"middle\" fill=\"#777\">no data</text>\n");
        var zero = value.Map(0);
        for (var i = 0; i < bars.Length; i++)
        {
            var b = bars[i];
            var top = Top + gap + i * (barHeight + gap);
            var end = value.Map(b.Value);
            var middle = Coordinate(top + barHeight / 2);
            svg.Append($"<rect x=\"{Coordinate(Math.Min(zero, end))}\" y=\"{Coordinate(top)}\" width=\"{Coordinate(Math.Max(1, Math.Abs(end - zero)))}\" height=\"{barHeight}\" fill=\"{Palette.Colour(b.ColourIndex)}\" fill-opacity=\"0.85\"><title>{Escape(b.Label)}: {Number(b.Value)} ± {Number(b.Spread)}</title></rect>\n");
            if (Finite(b.Spread) > 0)
            {
                var (lo, hi) = (Coordinate(value.Map(b.Value - b.Spread)), Coordinate(value.Map(b.Value + b.Spread)));
                svg.Append($"<path d=\"M{lo},{middle}H{hi}M{lo},{Coordinate(top + 5)}V{Coordinate(top + barHeight - 5)}M{hi},{Coordinate(top + 5)}V{Coordinate(top + barHeight - 5)}\" stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"/>\n");
            }
            svg.Append($"<text x=\"{Coordinate(left - 6)}\" y=\"{middle}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Escape(b.Label)}</text>\n");
        }
        return End(svg);
    }

    /// <summary>An &lt;svg&gt; element from <see cref="Render(LinePlot)"/> as a standalone SVG document.</summary>
    public static string Standalone(string svg) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg;

    /// <summary>Writes an &lt;svg&gt; element as a standalone .svg file, atomically (temporary file, then rename).</summary>
    public static void WriteFile(string path, string svg) => ReportFiles.WriteAtomically(path, Standalone(svg));

    // ---- pieces ----

    static StringBuilder Begin(string title, double height)
    {
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Coordinate(Width)}\" height=\"{Coordinate(height)}\" viewBox=\"0 0 {Coordinate(Width)} {Coordinate(height)}\" role=\"img\" aria-label=\"{Escape(title)}\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222\">\n");
        svg.Append($"<title>{Escape(title)}</title>\n");
        // A white ground, so a standalone file reads the same in a dark viewer.
        svg.Append($"<rect width=\"{Coordinate(Width)}\" height=\"{Coordinate(height)}\" fill=\"#fff\"/>\n");
        svg.Append($"<text x=\"{Coordinate(Width / 2)}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");
        return svg;
    }

    static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    static void Grid(StringBuilder svg, Axis x, Axis y, double bottom)
    {
        for (var i = 0; i < x.Ticks.Length; i++)
        {
            var px = Coordinate(x.Map(x.Ticks[i]));
            svg.Append($"<line x1=\"{px}\" y1=\"{Coordinate(Top)}\" x2=\"{px}\" y2=\"{Coordinate(bottom)}\" stroke=\"#e3e3e3\"/>\n");
            svg.Append($"<text x=\"{px}\" y=\"{Coordinate(bottom + 16)}\" text-anchor=\"middle\">{Escape(x.Labels[i])}</text>\n");
        }
        for (var i = 0; i < y.Ticks.Length; i++)
        {
            var py = Coordinate(y.Map(y.Ticks[i]));
            svg.Append($"<line x1=\"{Coordinate(Left)}\" y1=\"{py}\" x2=\"{Coordinate(Right)}\" y2=\"{py}\" stroke=\"#e3e3e3\"/>\n");
            svg.Append($"<text x=\"{Coordinate(Left - 6)}\" y=\"{py}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Escape(y.Labels[i])}</text>\n");
        }
        svg.Append($"<rect x=\"{Coordinate(Left)}\" y=\"{Coordinate(Top)}\" width=\"{Coordinate(Right - Left)}\" height=\"{Coordinate(bottom - Top)}\" fill=\"none\" stroke=\"#444\"/>\n");
    }

    static void YLabel(StringBuilder svg, string label, double middle) =>
        svg.Append($"<text transform=\"translate(16 {Coordinate(middle)}) rotate(-90)\" text-anchor=\"middle\">{Escape(label)}</text>\n");

    static void DrawSeries(StringBuilder svg, PlotSeries s, Axis x, Axis y)
    {
        var colour = Palette.Colour(s.ColourIndex);
        var dash = Palette.Dash(s.ColourIndex);
        var dashAttribute = dash.Length == 0 ? "" : $" stroke-dasharray=\"{dash}\"";
        svg.Append($"<g><title>{Escape(s.Label)}</title>\n");
        var hasSpread = s.Spread is not null && Enumerable.Range(0, s.X.Count).Any(i => SpreadAt(s, i) > 0);
        if (s.Markers)
        {
            for (var i = 0; i < s.X.Count; i++)
            {
                var (px, py) = (Coordinate(x.Map(s.X[i])), Coordinate(y.Map(s.Y[i])));
                var spread = SpreadAt(s, i);
                if (spread > 0)
                    svg.Append($"<path d=\"M{px},{Coordinate(y.Map(s.Y[i] - spread))}V{Coordinate(y.Map(s.Y[i] + spread))}\" stroke=\"{colour}\" stroke-width=\"1.5\"/>\n");
                svg.Append($"<circle cx=\"{px}\" cy=\"{py}\" r=\"5\" fill=\"{colour}\" stroke=\"#fff\"/>\n");
            }
        }
        else
        {
            if (hasSpread)
            {
                // The band: upper edge left to right, then the lower edge back.
                var upper = Enumerable.Range(0, s.X.Count).Select(i => $"{Coordinate(x.Map(s.X[i]))},{Coordinate(y.Map(s.Y[i] + SpreadAt(s, i)))}");
                var lower = Enumerable.Range(0, s.X.Count).Reverse().Select(i => $"{Coordinate(x.Map(s.X[i]))},{Coordinate(y.Map(s.Y[i] - SpreadAt(s, i)))}");
                svg.Append($"<polygon points=\"{string.Join(' ', upper.Concat(lower))}\" fill=\"{colour}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n");
            }
            var line = Enumerable.Range(0, s.X.Count).Select(i => $"{Coordinate(x.Map(s.X[i]))},{Coordinate(y.Map(s.Y[i]))}");
            svg.Append($"<polyline points=\"{string.Join(' ', line)}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dashAttribute}/>\n");
            if (s.X.Count == 1)
                svg.Append($"<circle cx=\"{Coordinate(x.Map(s.X[0]))}\" cy=\"{Coordinate(y.Map(s.Y[0]))}\" r=\"3\" fill=\"{colour}\"/>\n");
        }
        svg.Append("</g>\n");
    }

    /// <summary>Splits legend labels into rows that fit the plot's width.</summary>
    static List<int[]> LegendRows(string[] labels)
    {
        var rows = new List<int[]>();
        var row = new List<int>();
        var used = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var width = LegendItemWidth(labels[i]);
            if (row.Count > 0 && used + width > Right - Left) { rows.Add([.. row]); row.Clear(); used = 0; }
            row.Add(i);
            used += width;
        }
        if (row.Count > 0) rows.Add([.. row]);
        return rows;
    }

    static double LegendItemWidth(string label) => 34 + CharWidth * label.Length + 14;

    static void Legend(StringBuilder svg, PlotSeries[] series, List<int[]> rows, double top)
    {
        for (var r = 0; r < rows.Count; r++)
        {
            var px = Left;
            var py = top + r * 20;
            foreach (var i in rows[r])
            {
                var s = series[i];
                var colour = Palette.Colour(s.ColourIndex);
                var dash = Palette.Dash(s.ColourIndex);
                if (s.Markers)
                    svg.Append($"<circle cx=\"{Coordinate(px + 14)}\" cy=\"{Coordinate(py)}\" r=\"5\" fill=\"{colour}\"/>\n");
                else
                    svg.Append($"<line x1=\"{Coordinate(px)}\" y1=\"{Coordinate(py)}\" x2=\"{Coordinate(px + 28)}\" y2=\"{Coordinate(py)}\" stroke=\"{colour}\" stroke-width=\"3\"{(dash.Length == 0 ? "" : $" stroke-dasharray=\"{dash}\"")}/>\n");
                svg.Append($"<text x=\"{Coordinate(px + 34)}\" y=\"{Coordinate(py)}\" dominant-baseline=\"middle\">{Escape(s.Label)}</text>\n");
                px += LegendItemWidth(s.Label);
            }
        }
    }

    /// <summary>Drops points whose x or y is not finite (a metric not logged); a log axis drops them later per axis.</summary>
    static PlotSeries Clean(PlotSeries s)
    {
        var keep = Enumerable.Range(0, Math.Min(s.X.Count, s.Y.Count)).Where(i => double.IsFinite(s.X[i]) && double.IsFinite(s.Y[i])).ToArray();
        return s with
        {
            X = [.. keep.Select(i => s.X[i])],
            Y = [.. keep.Select(i => s.Y[i])],
            Spread = s.Spread is null ? null : [.. keep.Select(i => i < s.Spread.Count ? Finite(s.Spread[i]) : 0)],
        };
    }

    static double SpreadAt(PlotSeries s, int i) => s.Spread is null ? 0 : s.Spread[i];

    static double Finite(double value) => double.IsFinite(value) ? value : 0;

    /// <summary>Maps values to pixels along one axis, linearly or by log10.</summary>
    sealed class Axis
    {
        public required double[] Ticks { get; init; }
        public required string[] Labels { get; init; }
        public required bool IsLog { get; init; }
        double _low, _high, _pixelLow, _pixelHigh;

        public static Axis Create(double[] lows, double[] highs, AxisScale scale, double pixelLow, double pixelHigh)
        {
            var values = lows.Concat(highs).Where(double.IsFinite).ToArray();
            var positive = values.Where(v => v > 0).ToArray();
            var log = scale switch
            {
                AxisScale.Log => positive.Length > 0,
                AxisScale.Linear => false,
                // Auto: log only when nothing is lost (all positive) and a linear axis would squash the start.
                _ => values.Length > 0 && positive.Length == values.Length && positive.Max() / positive.Min() >= 100,
            };
            double[] ticks = log
                ? Reports.Ticks.Log(positive.Min(), positive.Max())
                : values.Length == 0 ? Reports.Ticks.Linear(0, 1) : Reports.Ticks.Linear(values.Min(), values.Max());
            var axis = new Axis { Ticks = ticks, Labels = Reports.Ticks.Labels(ticks), IsLog = log };
            axis._low = axis.Transform(ticks[0]);
            axis._high = axis.Transform(ticks[^1]);
            (axis._pixelLow, axis._pixelHigh) = (pixelLow, pixelHigh);
            return axis;
        }

        double Transform(double v) => IsLog ? Math.Log10(Math.Max(v, double.Epsilon)) : v;

        /// <summary>Clamped to the axis, so a non-positive value on a log axis sits on the edge rather than at −∞.</summary>
        public double Map(double value)
        {
            var t = (Transform(value) - _low) / (_high - _low);
            return _pixelLow + Math.Clamp(t, -0.02, 1.02) * (_pixelHigh - _pixelLow);
        }
    }
}
