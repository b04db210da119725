namespace Delight.Reports;

/// <summary>How an axis maps values to positions. Auto picks log when every value is positive and they span ≥ 100×.</summary>
public enum AxisScale { Auto, Linear, Log }

/// <summary>
/// One series: points (X[i], Y[i]) with an optional ± spread per point, drawn as a shaded band around a line, or
/// (with <see cref="Markers"/>) as dots with whiskers. <see cref="ColourIndex"/> indexes <see cref="Palette"/>, so
/// one configuration keeps its colour across plots.
/// </summary>
public sealed record PlotSeries(string Label, int ColourIndex, IReadOnlyList<double> X, IReadOnlyList<double> Y,
    IReadOnlyList<double>? Spread = null, bool Markers = false);

/// <summary>A plot of series against a shared x axis.</summary>
public sealed record LinePlot(string Title, string XLabel, string YLabel, IReadOnlyList<PlotSeries> Series,
    AxisScale XScale = AxisScale.Auto, AxisScale YScale = AxisScale.Linear);

/// <summary>One horizontal bar: a value with a ± whisker.</summary>
public sealed record PlotBar(string Label, int ColourIndex, double Value, double Spread);

/// <summary>Horizontal bars, one per category, on a value axis that starts at zero.</summary>
public sealed record BarPlot(string Title, string ValueLabel, IReadOnlyList<PlotBar> Bars);
