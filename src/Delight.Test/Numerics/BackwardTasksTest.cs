using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// Linear's and LayerNorm's backward may run their parameter and input gradients as two tasks side by side (a tuner
/// picks per size); the gradients must equal those of the same layer on a one-thread pool bit for bit, whichever way
/// each call ran. A fresh layer's tuner alternates the two ways during its warm-up (three calls each at least), so
/// twelve calls run both.
/// </summary>
public class BackwardTasksTest
{
    static (float[] Dw, float[] Db, float[] Dx) Backward(WorkerPool pool, int calls)
    {
        const int rows = 300, inputs = 64, outputs = 96;
        var parameters = new ParameterSet();
        var layer = new Linear(parameters, "fc", inputs, outputs, bias: true) { Pool = pool };
        parameters.Allocate();
        layer.Initialize(new Rng(1));
        var rng = new Rng(2);
        var x = new float[rows * inputs];
        var dy = new float[rows * outputs];
        for (var i = 0; i < x.Length; i++) x[i] = rng.NextFloat() - 0.5f;
        for (var i = 0; i < dy.Length; i++) dy[i] = rng.NextFloat() - 0.5f;
        var dx = new float[rows * inputs];
        float[]? first = null;
        for (var call = 0; call < calls; call++)
        {
            parameters.ZeroGradients();
            Array.Clear(dx);
            layer.Backward(x, dy, dx, rows);
            var now = parameters.Gradients.ToArray().Concat(dx).ToArray();
            first ??= now;
            Assert.Equal(first, now);
        }
        return (layer.Weight.Gradient.ToArray(), layer.Bias!.Gradient.ToArray(), dx);
    }

    [Fact]
    public void BackwardTasksTest_Linear_TwoThreadsSameBitsAsOne()
    {
        using var one = new WorkerPool(1);
        using var two = new WorkerPool(2);
        var expected = Backward(one, 1);
        var actual = Backward(two, 12);
        Assert.Equal(expected.Dw, actual.Dw);
        Assert.Equal(expected.Db, actual.Db);
        Assert.Equal(expected.Dx, actual.Dx);
    }

    static (float[] Gradients, float[] Dx) LayerNormBackward(WorkerPool pool, int calls)
    {
        const int rows = 400, channels = 64;
        var parameters = new ParameterSet();
        var layer = new LayerNorm(parameters, "ln", channels) { Pool = pool };
        parameters.Allocate();
        var rng = new Rng(3);
        foreach (var i in Enumerable.Range(0, channels))
        {
            layer.Weight.Value[i] = 0.5f + rng.NextFloat();
            layer.Bias.Value[i] = rng.NextFloat() - 0.5f;
        }
        var x = new float[rows * channels];
        var dy = new float[rows * channels];
        for (var i = 0; i < x.Length; i++) x[i] = 3 * rng.NextFloat() - 1;
        for (var i = 0; i < dy.Length; i++) dy[i] = rng.NextFloat() - 0.5f;
        var y = new float[x.Length];
        var mean = new float[rows];
        var rstd = new float[rows];
        layer.Forward(x, y, mean, rstd, rows);
        var dx = new float[x.Length];
        var scratch = new float[2 * channels];
        float[]? first = null;
        for (var call = 0; call < calls; call++)
        {
            parameters.ZeroGradients();
            Array.Fill(dx, 0.25f); // dx accumulates
            layer.Backward(x, mean, rstd, dy, dx, scratch, rows);
            var now = parameters.Gradients.ToArray().Concat(dx).ToArray();
            first ??= now;
            Assert.Equal(first, now);
        }
        return (parameters.Gradients.ToArray(), dx);
    }

    [Fact]
    public void BackwardTasksTest_LayerNorm_TwoThreadsSameBitsAsOne()
    {
        using var one = new WorkerPool(1);
        using var two = new WorkerPool(2);
        var expected = LayerNormBackward(one, 1);
        var actual = LayerNormBackward(two, 12);
        Assert.Equal(expected.Gradients, actual.Gradients);
        Assert.Equal(expected.Dx, actual.Dx);
    }
}
