using Delight.Numerics;

namespace Delight.Test.Numerics;

public class DenormalsTest
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    public void DenormalsTest_FlushToZero_MatchesScalarAndLeavesNormalsAlone(int n)
    {
        var values = new float[n];
        for (var i = 0; i < n; i++)
            values[i] = (i % 4) switch { 0 => 1e-40f, 1 => -3e-39f, 2 => 1.5f, _ => -Denormals.MinNormal };
        var scalar = (float[])values.Clone();
        Denormals.FlushToZero(values);
        Denormals.FlushToZeroScalar(scalar);
        Assert.Equal(scalar, values);
        Assert.Equal(0, Denormals.CountSubnormal(values));
        for (var i = 0; i < n; i++)
            if (i % 4 >= 2) Assert.NotEqual(0f, values[i]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(37)]
    public void DenormalsTest_FlushToZero_KeepsNaNAndInfinitiesInBlocksAndTail(int n)
    {
        // Every position, so each lands once in a vector block (if n allows one) and in the scalar tail; every block also
        // holds a subnormal, so it is written back.
        var values = new float[n];
        for (var i = 0; i < n; i++)
            values[i] = (i % 4) switch { 0 => float.NaN, 1 => 1e-40f, 2 => float.NegativeInfinity, _ => float.PositiveInfinity };
        var scalar = (float[])values.Clone();

        Denormals.FlushToZero(values);
        Denormals.FlushToZeroScalar(scalar);

        Assert.Equal(scalar.Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits));
        for (var i = 0; i < n; i++)
        {
            if (i % 4 == 0) Assert.True(float.IsNaN(values[i]), $"NaN at {i} was changed to {values[i]}");
            if (i % 4 == 1) Assert.Equal(0f, values[i]);
            if (i % 4 == 2) Assert.Equal(float.NegativeInfinity, values[i]);
        }
    }

    [Fact]
    public void DenormalsTest_FlushToZero_OneSubnormalAmongNormalBlocks_OnlyItIsZeroed()
    {
        // Blocks without a subnormal are not written back; the one block with one must still be.
        var values = new float[100];
        for (var i = 0; i < values.Length; i++) values[i] = 1f + i;
        values[70] = -2e-39f;
        Denormals.FlushToZero(values);
        for (var i = 0; i < values.Length; i++) Assert.Equal(i == 70 ? 0f : 1f + i, values[i]);
    }

    [Fact]
    public void DenormalsTest_LogSoftmaxBackward_DropsTermsOfClassesBelowTheCutoffAndNeverLeavesSubnormals()
    {
        // Row 0: p = e^-50 (kept, −g·p exactly); row 1: p = e^-70 (dropped: 0, not −g·e^-70 ≈ −4e-34).
        float[] lp = [-50f, 0f, -70f, 0f], d = new float[4];
        const float g = 1e-3f;
        LogSoftmax.BackwardGathered(lp, [1, 1], [g, g], d, 2, 2);
        Assert.Equal(-g * MathF.Exp(-50f), d[0]);
        Assert.Equal(0f, d[2]);
        // A weight so small that even a kept term underflows: the result is +0, never a subnormal.
        LogSoftmax.BackwardGathered(lp, [1, 1], [1e-20f, 1e-20f], d, 2, 2);
        Assert.Equal(0, Denormals.CountSubnormal(d));
        Assert.Equal(0f, d[0]);
    }

    [Fact]
    public void DenormalsTest_LinearBackward_FlushesSubnormalWeightAndInputGradients()
    {
        var parameters = new ParameterSet();
        var linear = new Linear(parameters, "fc", 3, 2, bias: false);
        parameters.Allocate();
        linear.Weight.Value.Fill(1e-20f);
        float[] x = [1e-20f, 2f, 3f, 1e-20f, 2f, 3f], dy = [1e-19f, 1f, 1e-19f, 1f], dx = new float[6];
        linear.Backward(x, dy, dx, 2);
        // dW[0,0] = 2·1e-19·1e-20 = 2e-39 is subnormal, so +0; dx = 1e-19·1e-20 + 1·1e-20 passes through 1e-39 but ends normal.
        Assert.Equal(0, Denormals.CountSubnormal(linear.Weight.Gradient));
        Assert.Equal(0f, linear.Weight.Gradient[0]);
        Assert.Equal(0, Denormals.CountSubnormal(dx));
        Assert.Equal(2f * 2e-19f, linear.Weight.Gradient[1], 1e-25f);
    }
}
