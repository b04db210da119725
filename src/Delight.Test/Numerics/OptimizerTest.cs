using Delight.Numerics;

namespace Delight.Test.Numerics;

public class OptimizerTest
{
    static ParameterSet OneTensor(float[] values, float[] gradients)
    {
        var p = new ParameterSet();
        p.Add("w", values.Length);
        p.Allocate();
        values.CopyTo(p["w"].Value);
        gradients.CopyTo(p["w"].Gradient);
        return p;
    }

    [Fact]
    public void OptimizerTest_Adam_FirstStepMovesByLearningRateTimesSign()
    {
        // After one step m̂ = g and v̂ = g², so θ moves by lr·g/(|g| + ε) ≈ lr·sign(g).
        var p = OneTensor([1f, -2f, 0.5f], [0.3f, -4f, 0f]);
        new Adam(p.BufferLength, learningRate: 0.1f).Step(p);
        var w = p["w"].Value;
        Assert.Equal(0.9f, w[0], 5);
        Assert.Equal(-1.9f, w[1], 5);
        Assert.Equal(0.5f, w[2]);
    }

    [Fact]
    public void OptimizerTest_Adam_SecondStepHandCase()
    {
        var p = OneTensor([0f], [1f]);
        var adam = new Adam(p.BufferLength, learningRate: 0.01f);
        adam.Step(p);
        p["w"].Gradient[0] = 2f;
        adam.Step(p);
        // m = 0.9·0.1 + 0.1·2 = 0.29, v = 0.999·0.001 + 0.001·4 = 0.004999; m̂ = 0.29/0.19, v̂ = 0.004999/0.001999.
        var mHat = 0.29 / 0.19;
        var vHat = 0.004999 / (1 - 0.999 * 0.999);
        var expected = -0.01 - 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
        Assert.Equal(expected, p["w"].Value[0], 5);
    }

    [Fact]
    public void OptimizerTest_Adam_SplitStepsGiveTheBitsOfOnePass()
    {
        // Large enough to be split over the shared pool (when it has two threads), and not a multiple of 16. The
        // pool's tuner alternates both ways while it learns, so over 12 steps both run; every step must equal one
        // unsplit pass of Adam.Update with the same constants, bit for bit.
        const int n = 100_003;
        var rng = new Rng(11);
        var p = OneTensor(GradientCheck.Random(n, rng), new float[n]);
        var adam = new Adam(p.BufferLength, learningRate: 0.01f);
        var theta = p.Values.ToArray();
        float[] m = new float[p.BufferLength], v = new float[p.BufferLength];
        for (var step = 1; step <= 12; step++)
        {
            GradientCheck.Random(n, rng).CopyTo(p["w"].Gradient);
            adam.Step(p);
            Adam.Update(theta, p.Gradients, m, v, 0.01f / (1f - MathF.Pow(0.9f, step)), 1f / MathF.Sqrt(1f - MathF.Pow(0.999f, step)),
                0.9f, 0.999f, 1e-8f);
            Assert.Equal(theta, p.Values.ToArray());
            Assert.Equal(m, adam.FirstMoment);
            Assert.Equal(v, adam.SecondMoment);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(65)]
    public void OptimizerTest_AdamUpdate_VectorMatchesScalar(int n)
    {
        var rng = new Rng((ulong)n);
        float[] Random() => GradientCheck.Random(n, rng);
        float[] theta = Random(), g = Random(), m = Random(), v = Random().Select(MathF.Abs).ToArray();
        g[0] = 1e-30f; // squares to a subnormal: must be flushed in both paths
        float[] theta2 = (float[])theta.Clone(), m2 = (float[])m.Clone(), v2 = (float[])v.Clone();
        Adam.Update(theta, g, m, v, 0.01f, 1.3f, 0.9f, 0.999f, 1e-8f);
        Adam.UpdateScalar(theta2, g, m2, v2, 0.01f, 1.3f, 0.9f, 0.999f, 1e-8f);
        GradientCheck.AssertClose(theta2, theta, 1e-6f, "theta");
        GradientCheck.AssertClose(m2, m, 1e-6f, "m");
        GradientCheck.AssertClose(v2, v, 1e-6f, "v");
        Assert.Equal(0, Denormals.CountSubnormal(v));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(33)]
    public void OptimizerTest_AdamUpdate_NaNGradientReachesItsParameterInVectorAndScalarPaths(int n)
    {
        // A NaN gradient must not vanish in the vector body (it used to be flushed as if subnormal, leaving the
        // parameter unchanged and its moments wiped) while the scalar tail propagates it: both now propagate.
        var g = new float[n];
        Array.Fill(g, 0.5f);
        g[0] = float.NaN;
        g[n - 1] = float.NaN;
        float[] theta = new float[n], m = new float[n], v = new float[n];
        Adam.Update(theta, g, m, v, 0.01f, 1.3f, 0.9f, 0.999f, 1e-8f);
        foreach (var i in new[] { 0, n - 1 })
        {
            Assert.True(float.IsNaN(theta[i]), $"theta[{i}] = {theta[i]}");
            Assert.True(float.IsNaN(m[i]) && float.IsNaN(v[i]), $"moments[{i}] = {m[i]}, {v[i]}");
        }
        Assert.All(theta[1..^1], t => Assert.True(float.IsFinite(t)));
    }

    [Fact]
    public void OptimizerTest_Sgd_HandCase()
    {
        var p = OneTensor([1f, 2f], [0.5f, -1f]);
        new Sgd(0.1f).Step(p);
        Assert.Equal([0.95f, 2.1f], p["w"].Value.ToArray());
    }

    [Fact]
    public void OptimizerTest_Adam_RejectsBadLearningRate()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(4, learningRate: 0f));
        Assert.Contains("learning rate", error.Message);
    }
}
