using Delight.Numerics;

namespace Delight.Test;

/// <summary>
/// Central finite differences against analytic gradients. The forward runs in float32 (it is the code under test);
/// the loss is summed in double, and the step is large enough that float rounding stays well under the tolerance.
/// </summary>
static class GradientCheck
{
    /// <summary>
    /// For each checked index i of <paramref name="values"/>: (L(v+h) − L(v−h)) / 2h ≈ analytic[i], within
    /// |num − ana| ≤ atol + rtol·max(|num|, |ana|). Checks every index, or an evenly spread sample of maxChecks.
    /// </summary>
    public static void Check(string what, Span<float> values, ReadOnlySpan<float> analytic, Func<double> loss,
        double step = 1e-2, double rtol = 2e-2, double atol = 2e-4, int maxChecks = 200)
    {
        Assert.Equal(values.Length, analytic.Length);
        var stride = Math.Max(1, values.Length / maxChecks);
        var checkedCount = 0;
        for (var i = 0; i < values.Length; i += stride)
        {
            var original = values[i];
            values[i] = (float)(original + step);
            var plus = loss();
            values[i] = (float)(original - step);
            var minus = loss();
            values[i] = original;
            var numeric = (plus - minus) / (2 * step);
            var error = Math.Abs(numeric - analytic[i]);
            var bound = atol + rtol * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i]));
            Assert.True(error <= bound, $"{what}[{i}]: numeric {numeric:G6} vs analytic {analytic[i]:G6} (|diff| {error:G3} > {bound:G3})");
            checkedCount++;
        }
        Assert.True(checkedCount > 0, $"{what}: nothing checked");
    }

    public static float[] Random(int count, Rng rng, double scale = 1.0)
    {
        var x = new float[count];
        for (var i = 0; i < count; i++) x[i] = (float)(scale * rng.NextNormal());
        return x;
    }

    /// <summary>A layer norm over <paramref name="channels"/> in its own parameter set, γ then β drawn from <paramref name="rng"/>.</summary>
    public static LayerNorm RandomLayerNorm(int channels, Rng rng)
    {
        var parameters = new ParameterSet();
        var layer = new LayerNorm(parameters, "ln", channels);
        parameters.Allocate();
        Random(channels, rng).CopyTo(layer.Weight.Value);
        Random(channels, rng).CopyTo(layer.Bias.Value);
        return layer;
    }

    /// <summary>Σ r_i·y_i in double: a loss whose upstream gradient is r.</summary>
    public static double Weighted(ReadOnlySpan<float> y, ReadOnlySpan<float> r)
    {
        var sum = 0.0;
        for (var i = 0; i < r.Length; i++) sum += (double)y[i] * r[i];
        return sum;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var bound = tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= bound, $"{what}[{i}]: expected {expected[i]:G7}, got {actual[i]:G7}");
        }
    }
}
