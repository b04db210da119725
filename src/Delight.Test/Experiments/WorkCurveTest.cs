using Delight.Experiments.Reproduce;

namespace Delight.Test.Experiments;

/// <summary>The Kondo experiment's work-to-target arithmetic on a hand-made aggregate.</summary>
public class WorkCurveTest
{
    static CsvRow Row(string method, int step, double backward, double? evalError) => new(new Dictionary<string, string>
    {
        ["method"] = method, ["step"] = $"{step}", ["forward_rows_mean"] = "100", ["backward_rows_mean"] = $"{backward}",
        ["wall_seconds_mean"] = $"{step}", ["eval_error_mean"] = evalError is { } e ? e.ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
        ["eval_error_se"] = evalError is null ? "" : "0.01",
    });

    // Steps 1..4 (listed out of order): 100 forward rows each, backward 10, 20, 30, 40; evaluations at 2 (50 %) and 4 (10 %).
    static readonly SweepTables s_tables = new("t", [],
        [Row("dg", 4, 40, 0.1), Row("dg", 1, 10, null), Row("dg", 2, 20, 0.5), Row("dg", 3, 30, null), Row("pg", 1, 99, 0.9)]);

    [Fact]
    public void Curve_SumsWorkUpToEachEvaluation()
    {
        var curve = WorkCurve.Of(s_tables, ("method", "dg"));
        Assert.Equal([2, 4], curve.Steps);
        Assert.Equal([0.5, 0.1], curve.Error);
        Assert.Equal([200, 400], curve.Forward);
        Assert.Equal([30, 100], curve.Backward);
        Assert.Equal([2, 4], curve.Wall);
    }

    [Fact]
    public void ToTarget_InterpolatesBetweenTheEvaluationsAroundTheCrossing()
    {
        var curve = WorkCurve.Of(s_tables, ("method", "dg"));
        // 30 % is halfway from 50 % to 10 %: halfway in steps, rows and seconds.
        var cost = curve.ToTarget(0.3)!;
        Assert.Equal(3, cost.Step, 12);
        Assert.Equal(300, cost.Forward, 12);
        Assert.Equal(65, cost.Backward, 12);
        Assert.Equal(3, cost.Wall, 12);
        Assert.Equal(300 + 4 * 65, cost.Compute(4), 12);
        Assert.Equal(2, curve.ToTarget(0.6)!.Step);     // already below at the first evaluation
        Assert.Null(curve.ToTarget(0.05));              // never reached
    }
}
