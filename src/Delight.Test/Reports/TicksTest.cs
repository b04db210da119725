using Delight.Reports;

namespace Delight.Test.Reports;

public sealed class TicksTest
{
    [Theory]
    [InlineData(0, 1, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(0.72, 0.86, new[] { 0.7, 0.75, 0.8, 0.85, 0.9 })]
    [InlineData(1, 60, new[] { 0.0, 10, 20, 30, 40, 50, 60 })]
    [InlineData(3, 97, new[] { 0.0, 20, 40, 60, 80, 100 })]
    [InlineData(-0.3, 0.1, new[] { -0.3, -0.2, -0.1, 0, 0.1 })]
    public void TicksTest_Linear_NiceNumbersCoveringTheRange(double min, double max, double[] expected) =>
        Assert.Equal(expected, Ticks.Linear(min, max));

    [Fact]
    public void TicksTest_Linear_OneValueOrNoneStillGivesAnAxis()
    {
        Assert.Equal([0.45, 0.5, 0.55], Ticks.Linear(0.5, 0.5, target: 3));
        Assert.Equal([-1.0, 0, 1], Ticks.Linear(0, 0, target: 3));
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1], Ticks.Linear(double.NaN, double.NaN));
    }

    [Fact]
    public void TicksTest_Linear_NoFloatNoise()
    {
        foreach (var t in Ticks.Linear(0.1, 0.7, target: 7))
            Assert.Equal(Math.Round(t, 10), t);
    }

    [Fact]
    public void TicksTest_Log_PowersOfTenWithTwosAndFivesOverShortRanges()
    {
        Assert.Equal([1, 2, 5, 10, 20, 50, 100], Ticks.Log(1, 60));
        Assert.Equal([1e8, 1e9, 1e10, 1e11], Ticks.Log(3e8, 5e10));
        // Twelve decades thin to every second power, aligned to even exponents.
        Assert.Equal([1, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12], Ticks.Log(1, 1e12));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ticks.Log(0, 10));
    }

    [Fact]
    public void TicksTest_Labels_ShareOneSuffixAndTheFewestDecimals()
    {
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], Ticks.Labels(Ticks.Linear(0, 1)));
        Assert.Equal(["0", "5G", "10G", "15G", "20G", "25G"], Ticks.Labels([0, 5e9, 10e9, 15e9, 20e9, 25e9]));
        Assert.Equal(["0.0", "2.5k", "5.0k", "7.5k", "10.0k"], Ticks.Labels([0, 2500, 5000, 7500, 10000]));
        Assert.Equal(["100M", "1G", "10G", "100G"], Ticks.Labels([1e8, 1e9, 1e10, 1e11])); // log ticks: each its own unit
        Assert.Equal(["0.1", "1", "10", "100", "1k", "10k"], Ticks.Labels([0.1, 1, 10, 100, 1000, 10000]));
        Assert.Equal(["0", "5E-5", "1E-4"], Ticks.Labels([0, 5e-5, 1e-4]));
        Assert.Equal(["0", "20", "40", "60"], Ticks.Labels([0, 20, 40, 60]));
    }
}
