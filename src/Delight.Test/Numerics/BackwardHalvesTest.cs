using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// The transformer's two-phase backward calls each layer's parameter half and input half separately (the input half
/// over a part of the rows at a time); together they must give Backward's bits exactly.
/// </summary>
public class BackwardHalvesTest
{
    static float[] Random(int count, Rng rng, float scale = 1f)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = scale * (rng.NextFloat() - 0.5f);
        return values;
    }

    [Fact]
    public void BackwardHalvesTest_Linear_HalvesOverRowPartsEqualBackward()
    {
        const int rows = 50, inputs = 24, outputs = 40;
        var parameters = new ParameterSet();
        var layer = new Linear(parameters, "fc", inputs, outputs, bias: true);
        parameters.Allocate();
        layer.Initialize(new Rng(1));
        var rng = new Rng(2);
        float[] x = Random(rows * inputs, rng), dy = Random(rows * outputs, rng), dxStart = Random(rows * inputs, rng);

        var dx = (float[])dxStart.Clone();
        layer.Backward(x, dy, dx, rows);
        var expected = parameters.Gradients.ToArray();

        parameters.ZeroGradients();
        var dxHalves = (float[])dxStart.Clone();
        layer.WeightGradient(x, dy, rows);
        foreach (var (first, end) in new[] { (0, 17), (17, 50) })
            layer.InputGradient(dy.AsSpan(first * outputs, (end - first) * outputs), dxHalves.AsSpan(first * inputs, (end - first) * inputs), end - first);
        Assert.Equal(expected, parameters.Gradients.ToArray());
        Assert.Equal(dx, dxHalves);
    }

    [Fact]
    public void BackwardHalvesTest_LayerNorm_HalvesOverRowPartsEqualBackward()
    {
        const int rows = 30, channels = 48;
        var parameters = new ParameterSet();
        var layer = new LayerNorm(parameters, "ln", channels);
        parameters.Allocate();
        var rng = new Rng(3);
        Random(channels, rng).CopyTo(layer.Weight.Value);
        Random(channels, rng).CopyTo(layer.Bias.Value);
        float[] x = Random(rows * channels, rng, 4f), dy = Random(rows * channels, rng), dxStart = Random(rows * channels, rng);
        var y = new float[x.Length];
        var mean = new float[rows];
        var rstd = new float[rows];
        layer.Forward(x, y, mean, rstd, rows);
        var scratch = new float[2 * channels];

        var dx = (float[])dxStart.Clone();
        layer.Backward(x, mean, rstd, dy, dx, scratch, rows);
        var expected = parameters.Gradients.ToArray();

        parameters.ZeroGradients();
        var dxHalves = (float[])dxStart.Clone();
        layer.ParameterGradients(x, mean, rstd, dy, scratch, rows);
        foreach (var (first, end) in new[] { (0, 11), (11, 30) })
        {
            int at = first * channels, count = (end - first) * channels;
            layer.InputGradient(x.AsSpan(at, count), mean.AsSpan(first, end - first), rstd.AsSpan(first, end - first), dy.AsSpan(at, count),
                dxHalves.AsSpan(at, count), scratch, end - first);
        }
        Assert.Equal(expected, parameters.Gradients.ToArray());
        Assert.Equal(dx, dxHalves);
    }
}
