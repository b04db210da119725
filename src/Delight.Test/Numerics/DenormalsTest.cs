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
}
