using System.Xml.Linq;
using Delight.Reports;

namespace Delight.Test.Reports;

public sealed class SvgPlotTest : IDisposable
{
    static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";
    readonly string _folder = Directory.CreateTempSubdirectory("delight-svg-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static LinePlot Curves(AxisScale xScale = AxisScale.Auto) => new("Error <vs> steps & \"work\"", "learner step", "error", [
        new PlotSeries("dg η=0.5", 0, [1, 2, 3], [0.9, 0.8, 0.6], [0.05, 0.05, 0.1]),
        new PlotSeries("pg", 1, [1, 2, 3, double.NaN], [0.9, 0.85, 0.8, 0.1]),
    ], xScale);

    [Fact]
    public void SvgPlotTest_Line_IsWellFormedSvgWithBandLineAndLegend()
    {
        var root = XElement.Parse(SvgPlot.Render(Curves()));
        Assert.Equal(s_svg + "svg", root.Name);
        Assert.Equal("Error <vs> steps & \"work\"", root.Element(s_svg + "title")!.Value);
        // One band (only dg has a spread), two lines, legend text for both series.
        Assert.Single(root.Descendants(s_svg + "polygon"));
        var lines = root.Descendants(s_svg + "polyline").ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal(3, lines[1].Attribute("points")!.Value.Split(' ').Length); // the NaN point is dropped
        var texts = root.Descendants(s_svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("dg η=0.5", texts);
        Assert.Contains("pg", texts);
        Assert.Contains("learner step", texts);
        Assert.Contains("0.6", texts); // a y tick
        Assert.Equal("#0072B2", lines[0].Attribute("stroke")!.Value);
    }

    [Fact]
    public void SvgPlotTest_Line_AutoScaleGoesLogOverTwoDecades()
    {
        var wide = new LinePlot("t", "FLOPs", "error", [new PlotSeries("a", 0, [1e8, 1e9, 1e10, 1e11], [0.9, 0.8, 0.7, 0.6])]);
        var texts = XElement.Parse(SvgPlot.Render(wide)).Descendants(s_svg + "text").Select(t => t.Value).ToArray();
        Assert.Contains("FLOPs (log scale)", texts);
        Assert.Contains("10G", texts);
        var narrow = XElement.Parse(SvgPlot.Render(Curves())).Descendants(s_svg + "text").Select(t => t.Value);
        Assert.DoesNotContain("learner step (log scale)", narrow);
    }

    [Fact]
    public void SvgPlotTest_Line_CoordinatesStayInsideTheFrame()
    {
        var root = XElement.Parse(SvgPlot.Render(Curves()));
        var points = root.Descendants(s_svg + "polyline").SelectMany(l => l.Attribute("points")!.Value.Split(' '))
            .Select(p => p.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        var frame = root.Elements(s_svg + "rect").Last();
        var (x0, y0) = (Attr(frame, "x"), Attr(frame, "y"));
        var (x1, y1) = (x0 + Attr(frame, "width"), y0 + Attr(frame, "height"));
        Assert.All(points, p => { Assert.InRange(p[0], x0, x1); Assert.InRange(p[1], y0, y1); });
    }

    [Fact]
    public void SvgPlotTest_Markers_OnALogAxis_KeepSmallValuesOnTheAxis()
    {
        // Delays D + 1 = 1 … 1001: linear padding would push the first two below zero and pin them to the edge.
        var plot = new LinePlot("t", "D + 1", "error", [new PlotSeries("dg", 0, [1, 11, 101, 1001], [0.03, 0.02, 0.02, 0.02], Markers: true)], AxisScale.Log);
        var root = XElement.Parse(SvgPlot.Render(plot));
        var frame = root.Elements(s_svg + "rect").Last();
        var (x0, y0) = (Attr(frame, "x"), Attr(frame, "y"));
        var (x1, y1) = (x0 + Attr(frame, "width"), y0 + Attr(frame, "height"));
        var centres = root.Descendants(s_svg + "circle").Where(c => Attr(c, "cy") >= y0 && Attr(c, "cy") <= y1).Select(c => Attr(c, "cx")).ToArray();
        Assert.Equal(4, centres.Length);
        Assert.All(centres, cx => Assert.True(cx > x0 && cx < x1, $"marker at x = {cx} is not inside ({x0}, {x1})"));
        // Gaps in proportion to the logarithms.
        Assert.Equal(Math.Log(1001.0 / 101) / Math.Log(101.0 / 11), (centres[3] - centres[2]) / (centres[2] - centres[1]), 2);
        Assert.Contains("1", root.Descendants(s_svg + "text").Select(t => t.Value));
    }

    static double Attr(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void SvgPlotTest_Bars_HaveWhiskersAndLabels()
    {
        var plot = new BarPlot("Final error", "final error", [new PlotBar("dg", 0, 0.5, 0.1), new PlotBar("pg", 1, 0.65, 0)]);
        var root = XElement.Parse(SvgPlot.Render(plot));
        var bars = root.Descendants(s_svg + "rect").Where(r => r.Element(s_svg + "title") is not null).ToArray();
        Assert.Equal(2, bars.Length);
        Assert.Equal("dg: 0.5 ± 0.1", bars[0].Element(s_svg + "title")!.Value);
        Assert.True(Attr(bars[1], "width") > Attr(bars[0], "width")); // 0.65 is longer than 0.5
        Assert.Single(root.Descendants(s_svg + "path")); // only dg has a whisker
    }

    [Fact]
    public void SvgPlotTest_Empty_SaysNoDataAndStaysValid()
    {
        var line = XElement.Parse(SvgPlot.Render(new LinePlot("empty", "x", "y", [])));
        Assert.Contains("no data", line.Descendants(s_svg + "text").Select(t => t.Value));
        var bars = XElement.Parse(SvgPlot.Render(new BarPlot("empty", "v", [])));
        Assert.Contains("no data", bars.Descendants(s_svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void SvgPlotTest_WriteFile_IsAStandaloneSvgDocument()
    {
        var path = Path.Combine(_folder, "plots", "curves.svg");
        SvgPlot.WriteFile(path, SvgPlot.Render(Curves()));
        var document = XDocument.Load(path);
        Assert.Equal(s_svg + "svg", document.Root!.Name);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
    }
}
