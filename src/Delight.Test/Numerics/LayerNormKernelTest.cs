using System.Numerics.Tensors;
using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// LayerNorm's fused per-row passes against the same formulas written as one TensorPrimitives call per operation (how
/// the layer computed them before the passes were fused), bit for bit: widths that end on a 16-float vector, an 8-float
/// one and a scalar tail.
/// </summary>
public class LayerNormKernelTest
{
    [Theory]
    [InlineData(64)]
    [InlineData(24)]
    [InlineData(37)]
    public void LayerNormKernelTest_ForwardAndBackward_MatchOneCallPerOperation(int c)
    {
        const int rows = 5;
        var rng = new Rng((ulong)c);
        var layer = GradientCheck.RandomLayerNorm(c, rng);
        var x = GradientCheck.Random(rows * c, rng, 3.0);
        var dy = GradientCheck.Random(rows * c, rng);
        float[] y = new float[rows * c], mean = new float[rows], rstd = new float[rows], dx = GradientCheck.Random(rows * c, rng);
        var dxExpected = (float[])dx.Clone();
        layer.Forward(x, y, mean, rstd, rows);
        layer.Backward(x, mean, rstd, dy, dx, new float[2 * c], rows);

        float[] yExpected = new float[rows * c], dGamma = new float[c], dBeta = new float[c], xHat = new float[c], dxHat = new float[c];
        for (var r = 0; r < rows; r++)
        {
            var xr = x.AsSpan(r * c, c);
            var yr = yExpected.AsSpan(r * c, c);
            var mu = TensorPrimitives.Sum(xr) / c;
            TensorPrimitives.Subtract(xr, mu, yr);
            var s = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(yr) / c + layer.Epsilon);
            Assert.Equal(mu, mean[r]);
            Assert.Equal(s, rstd[r]);
            TensorPrimitives.Multiply(yr, s, yr);
            TensorPrimitives.FusedMultiplyAdd(yr, layer.Weight.Value, layer.Bias.Value, yr);

            var dyr = dy.AsSpan(r * c, c);
            TensorPrimitives.Subtract(xr, mu, xHat);
            TensorPrimitives.Multiply(xHat, s, xHat);
            TensorPrimitives.FusedMultiplyAdd(dyr, xHat, dGamma, dGamma);
            TensorPrimitives.Add(dBeta, dyr, dBeta);
            TensorPrimitives.Multiply(dyr, layer.Weight.Value, dxHat);
            var m1 = TensorPrimitives.Sum(dxHat) / c;
            var m2 = TensorPrimitives.Dot(dxHat, xHat) / c;
            for (var i = 0; i < c; i++) dxExpected[r * c + i] += s * (dxHat[i] - m1 - xHat[i] * m2);
        }
        Denormals.FlushToZero(dGamma);
        Denormals.FlushToZero(dBeta);
        Assert.Equal(yExpected, y);
        Assert.Equal(dxExpected, dx);
        Assert.Equal(dGamma, layer.Weight.Gradient.ToArray());
        Assert.Equal(dBeta, layer.Bias.Gradient.ToArray());
    }
}
