using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>Finite-difference checks of every layer's backward, for every input and parameter.</summary>
public class LayerGradientTest
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LayerGradientTest_Linear_AllGradients(bool bias)
    {
        const int n = 5, inCount = 7, outCount = 9;
        var rng = new Rng(1);
        var p = new ParameterSet();
        var linear = new Linear(p, "fc", inCount, outCount, bias);
        p.Allocate();
        linear.Initialize(rng);
        if (bias) GradientCheck.Random(outCount, rng).CopyTo(linear.Bias!.Value);
        var x = GradientCheck.Random(n * inCount, rng);
        var r = GradientCheck.Random(n * outCount, rng);
        var y = new float[n * outCount];
        double Loss() { linear.Forward(x, y, n); return GradientCheck.Weighted(y, r); }

        var dx = new float[x.Length];
        linear.Backward(x, r, dx, n);
        GradientCheck.Check("dx", x, dx, Loss);
        GradientCheck.Check("dW", linear.Weight.Value, linear.Weight.Gradient, Loss);
        if (bias) GradientCheck.Check("db", linear.Bias!.Value, linear.Bias.Gradient, Loss);
    }

    [Fact]
    public void LayerGradientTest_Linear_BackwardAccumulates()
    {
        var p = new ParameterSet();
        var linear = new Linear(p, "fc", 3, 2, bias: true);
        p.Allocate();
        linear.Initialize(new Rng(2));
        float[] x = [1, 2, 3], dy = [1, -1];
        var dx = new float[3];
        linear.Backward(x, dy, dx, 1);
        var once = p.Gradients.ToArray();
        var dxOnce = dx.ToArray();
        linear.Backward(x, dy, dx, 1);
        for (var i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], p.Gradients[i], 5);
        for (var i = 0; i < dx.Length; i++) Assert.Equal(2 * dxOnce[i], dx[i], 5);
        // Hand case: dW = dyᵀ·x, db = dy.
        Assert.Equal([2f, 4f, 6f, -2f, -4f, -6f], linear.Weight.Gradient.ToArray());
        Assert.Equal([2f, -2f], linear.Bias!.Gradient.ToArray());
    }

    [Fact]
    public void LayerGradientTest_Embedding_Table()
    {
        var rng = new Rng(3);
        var p = new ParameterSet();
        var embedding = new Embedding(p, "tok", 4, 6);
        p.Allocate();
        embedding.Initialize(rng);
        int[] ids = [0, 3, 3, 1, 2, 0, 0];
        var r = GradientCheck.Random(ids.Length * 6, rng);
        var y = new float[ids.Length * 6];
        double Loss() { embedding.Forward(ids, y, accumulate: false); return GradientCheck.Weighted(y, r); }
        embedding.Backward(ids, r);
        GradientCheck.Check("dTable", embedding.Table.Value, embedding.Table.Gradient, Loss);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(64)]
    public void LayerGradientTest_LayerNorm_AllGradients(int channels)
    {
        const int n = 4;
        var rng = new Rng(4);
        var ln = GradientCheck.RandomLayerNorm(channels, rng);
        var x = GradientCheck.Random(n * channels, rng, 2.0);
        var r = GradientCheck.Random(n * channels, rng);
        var y = new float[x.Length];
        float[] mean = new float[n], rstd = new float[n];
        double Loss() { ln.Forward(x, y, mean, rstd, n); return GradientCheck.Weighted(y, r); }
        Loss();
        var dx = new float[x.Length];
        ln.Backward(x, mean, rstd, r, dx, new float[2 * channels], n);
        // A single channel normalises to exactly 0 whatever x is: the gradient is 0 and the check still holds.
        GradientCheck.Check("dx", x, dx, Loss, step: 3e-3);
        GradientCheck.Check("dGamma", ln.Weight.Value, ln.Weight.Gradient, Loss, step: 3e-3);
        GradientCheck.Check("dBeta", ln.Bias.Value, ln.Bias.Gradient, Loss, step: 3e-3);
    }

    [Fact]
    public void LayerGradientTest_LayerNorm_HandCase()
    {
        var p = new ParameterSet();
        var ln = new LayerNorm(p, "ln", 2, epsilon: 0f + 1e-5f);
        p.Allocate();
        ln.Initialize();
        float[] x = [1, 3], y = new float[2], mean = new float[1], rstd = new float[1];
        ln.Forward(x, y, mean, rstd, 1);
        // mean 2, variance 1 → y = ±1/√(1 + 1e-5).
        Assert.Equal(2f, mean[0]);
        Assert.Equal(-1f / MathF.Sqrt(1 + 1e-5f), y[0], 6);
        Assert.Equal(1f / MathF.Sqrt(1 + 1e-5f), y[1], 6);
    }

    [Fact]
    public void LayerGradientTest_Relu_Gradient()
    {
        var rng = new Rng(5);
        var x = GradientCheck.Random(50, rng);
        for (var i = 0; i < x.Length; i++) if (MathF.Abs(x[i]) < 0.05f) x[i] = 0.5f; // stay off the kink
        var r = GradientCheck.Random(50, rng);
        var y = new float[50];
        double Loss() { Relu.Forward(x, y); return GradientCheck.Weighted(y, r); }
        var dx = new float[50];
        Relu.Backward(x, r, dx);
        GradientCheck.Check("dx", x, dx, Loss, step: 1e-3);
    }

    [Fact]
    public void LayerGradientTest_LogSoftmaxGather_Gradient()
    {
        const int n = 6, v = 5;
        var rng = new Rng(6);
        var logits = GradientCheck.Random(n * v, rng, 3.0);
        int[] targets = [0, 4, 2, 2, 1, 3];
        var g = GradientCheck.Random(n, rng);
        var lp = new float[n * v];
        double Loss()
        {
            LogSoftmax.Forward(logits, lp, n, v);
            var sum = 0.0;
            for (var i = 0; i < n; i++) sum += g[i] * (double)lp[i * v + targets[i]];
            return sum;
        }
        Loss();
        var dLogits = new float[n * v];
        LogSoftmax.BackwardGathered(lp, targets, g, dLogits, n, v);
        GradientCheck.Check("dLogits", logits, dLogits, Loss, step: 1e-2);
    }

    [Fact]
    public void LayerGradientTest_LogSoftmax_HandCaseAndSaturation()
    {
        float[] logits = [0f, MathF.Log(3f)], lp = new float[2];
        LogSoftmax.Forward(logits, lp, 1, 2);
        Assert.Equal(MathF.Log(0.25f), lp[0], 6);
        Assert.Equal(MathF.Log(0.75f), lp[1], 6);
        // A saturated row: exact log-probs, and no subnormal probabilities in the gradient.
        float[] peaked = [0f, 200f], lp2 = new float[2], d = new float[2];
        LogSoftmax.Forward(peaked, lp2, 1, 2);
        Assert.Equal(-200f, lp2[0], 3);
        LogSoftmax.BackwardGathered(lp2, [1], [1f], d, 1, 2);
        Assert.Equal(0, Denormals.CountSubnormal(d));
        Assert.Equal(0f, d[0]);
    }

    [Theory]
    [InlineData(1, 4, 8, 2)]
    [InlineData(3, 5, 12, 3)]
    public void LayerGradientTest_Attention_Qkv(int sequences, int tokens, int width, int heads)
    {
        var rng = new Rng(7);
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = GradientCheck.Random(sequences * tokens * 3 * width, rng);
        var r = GradientCheck.Random(sequences * tokens * width, rng);
        var probs = new float[sequences * heads * tokens * tokens];
        var outHeads = new float[sequences * tokens * width];
        double Loss() { attention.AttendForward(qkv, probs, outHeads, sequences, tokens); return GradientCheck.Weighted(outHeads, r); }
        Loss();
        var dQkv = new float[qkv.Length];
        attention.AttendBackward(qkv, probs, r, dQkv, sequences, tokens);
        GradientCheck.Check("dQkv", qkv, dQkv, Loss, step: 3e-3, maxChecks: 400);
    }

    [Fact]
    public void LayerGradientTest_Attention_IsCausal()
    {
        // Changing a later token must not change any earlier output.
        const int tokens = 5, width = 8, heads = 2;
        var rng = new Rng(8);
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = GradientCheck.Random(tokens * 3 * width, rng);
        var probs = new float[heads * tokens * tokens];
        var before = new float[tokens * width];
        var after = new float[tokens * width];
        attention.AttendForward(qkv, probs, before, 1, tokens);
        for (var i = 3 * 3 * width; i < qkv.Length; i++) qkv[i] += 1f;
        attention.AttendForward(qkv, probs, after, 1, tokens);
        Assert.Equal(before.AsSpan(0, 3 * width).ToArray(), after.AsSpan(0, 3 * width).ToArray());
    }

    [Fact]
    public void LayerGradientTest_AttentionDecode_MatchesFullSequence()
    {
        const int sequences = 2, tokens = 6, width = 8, heads = 2;
        var rng = new Rng(9);
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = GradientCheck.Random(sequences * tokens * 3 * width, rng);
        var (full, decoded) = AttentionKernelTest.ForwardAndDecode(attention, qkv, sequences, tokens, width, heads);
        for (var t = 0; t < tokens; t++)
            for (var b = 0; b < sequences; b++)
                GradientCheck.AssertClose(full.AsSpan((b * tokens + t) * width, width), decoded.AsSpan((b * tokens + t) * width, width), 1e-5f, $"t{t} b{b}");
    }

    [Fact]
    public void LayerGradientTest_Attention_ParallelEqualsOneSequenceAtATime()
    {
        // 64 sequences run in parallel parts; one sequence at a time stays on this thread. Bit-identical results show
        // the split never changes a number.
        const int sequences = 64, tokens = 19, width = 16, heads = 2;
        var rng = new Rng(10);
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = GradientCheck.Random(sequences * tokens * 3 * width, rng);
        var dHeads = GradientCheck.Random(sequences * tokens * width, rng);
        var probs = new float[sequences * heads * tokens * tokens];
        var outHeads = new float[sequences * tokens * width];
        var dQkv = new float[qkv.Length];
        attention.AttendForward(qkv, probs, outHeads, sequences, tokens);
        attention.AttendBackward(qkv, probs, dHeads, dQkv, sequences, tokens);
        int q = tokens * 3 * width, o = tokens * width, pr = heads * tokens * tokens;
        for (var b = 0; b < sequences; b++)
        {
            var probs1 = new float[pr];
            var out1 = new float[o];
            var dQkv1 = new float[q];
            attention.AttendForward(qkv.AsSpan(b * q, q), probs1, out1, 1, tokens);
            attention.AttendBackward(qkv.AsSpan(b * q, q), probs1, dHeads.AsSpan(b * o, o), dQkv1, 1, tokens);
            Assert.Equal(out1, outHeads.AsSpan(b * o, o).ToArray());
            Assert.Equal(probs1, probs.AsSpan(b * pr, pr).ToArray());
            Assert.Equal(dQkv1, dQkv.AsSpan(b * q, q).ToArray());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(23)]
    [InlineData(64)]
    [InlineData(100)]
    public void LayerGradientTest_LayerNormInputGradient_VectorisedMatchesScalarBitForBit(int c)
    {
        var rng = new Rng((ulong)c);
        var dxHat = GradientCheck.Random(c, rng, 2.0);
        var xHat = GradientCheck.Random(c, rng, 2.0);
        var vectorised = GradientCheck.Random(c, rng, 1.0);
        var scalar = (float[])vectorised.Clone();
        LayerNorm.AccumulateInputGradient(dxHat, xHat, 0.37f, -1.3f, 2.9f, vectorised);
        LayerNorm.AccumulateInputGradientScalar(dxHat, xHat, 0.37f, -1.3f, 2.9f, scalar);
        Assert.Equal(scalar, vectorised);
    }
}
