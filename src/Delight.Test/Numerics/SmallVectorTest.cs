using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>Each SIMD kernel against its scalar reference at the vector-width tails.</summary>
public class SmallVectorTest
{
    public static TheoryData<int> Sizes => [1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SmallVectorTest_Dot_MatchesScalar(int n)
    {
        var rng = new Rng((ulong)n);
        var a = GradientCheck.Random(n, rng);
        var b = GradientCheck.Random(n, rng);
        Assert.Equal(SmallVector.DotScalar(a, b), SmallVector.Dot(a, b), 4);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SmallVectorTest_Axpy_MatchesScalar(int n)
    {
        var rng = new Rng((ulong)n + 100);
        var x = GradientCheck.Random(n, rng);
        var y = GradientCheck.Random(n, rng);
        var expected = (float[])y.Clone();
        SmallVector.AxpyScalar(0.7f, x, expected);
        SmallVector.Axpy(0.7f, x, y);
        // Both paths use one fused multiply-add per element: identical.
        Assert.Equal(expected, y);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SmallVectorTest_ReluBackward_MatchesScalar(int n)
    {
        var rng = new Rng((ulong)n + 200);
        var x = GradientCheck.Random(n, rng);
        var dy = GradientCheck.Random(n, rng);
        var expected = new float[n];
        var actual = new float[n];
        Relu.BackwardScalar(x, dy, expected);
        Relu.Backward(x, dy, actual);
        Assert.Equal(expected, actual);
    }
}
