using Delight.Numerics;

namespace Delight.Test.Numerics;

public class RngTest
{
    [Fact]
    public void RngTest_SameSeed_SameStream_AndSaveRestoreContinues()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (var i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        a.NextNormal();
        var state = a.Save();
        var expected = Enumerable.Range(0, 10).Select(_ => a.NextNormal()).ToArray();
        var c = new Rng(1);
        c.Restore(state);
        Assert.Equal(expected, Enumerable.Range(0, 10).Select(_ => c.NextNormal()).ToArray());
    }

    [Fact]
    public void RngTest_Split_IndependentOfLaterDraws()
    {
        var a = new Rng(7).Split("actor").NextUInt64();
        var b = new Rng(7).Split("actor").NextUInt64();
        Assert.Equal(a, b);
        Assert.NotEqual(a, new Rng(7).Split("learner").NextUInt64());
    }

    [Fact]
    public void RngTest_Moments()
    {
        var rng = new Rng(3);
        double sum = 0, squares = 0;
        var counts = new int[7];
        const int n = 70_000;
        for (var i = 0; i < n; i++)
        {
            var x = rng.NextNormal();
            sum += x;
            squares += x * x;
            counts[rng.NextInt(7)]++;
            var u = rng.NextFloat();
            Assert.InRange(u, 0f, 0.99999994f);
        }
        Assert.InRange(sum / n, -0.02, 0.02);
        Assert.InRange(squares / n, 0.97, 1.03);
        foreach (var c in counts) Assert.InRange(c, 9_500, 10_500);
    }
}
