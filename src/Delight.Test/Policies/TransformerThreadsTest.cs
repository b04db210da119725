using Delight.Diagnostics;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Test.Policies;

/// <summary>
/// The transformer splits its forward, backward and sampling over rows and independent work; the split depends on
/// the thread count, the numbers must not. Runs the papers' size (big enough that every pass really splits) on pools
/// of 1, 2 and 3 threads and compares bits.
/// </summary>
public class TransformerThreadsTest
{
    sealed record Outcome(int[] Tokens, float[] SampleLogProbs, float[] LogProbs, float[] Gradients, float[] Values);

    static Outcome Run(WorkerPool pool, int[] kept)
    {
        var policy = new TransformerPolicy(ModelSize.Default.Options(maxRows: 100)) { Pool = pool };
        policy.Initialize(new Rng(1));
        const int rows = 100, length = 20, prompt = 10;
        var tokens = new int[rows * length];
        var rng = new Rng(2);
        for (var i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(2);
        var sampleLogProbs = new float[tokens.Length];
        policy.Sample(tokens, sampleLogProbs, rows, prompt, length, new Rng(3));
        var logProbs = policy.Forward(tokens, rows, length, prompt).ToArray();
        var coefficients = GradientCheck.Random(kept.Length * (length - prompt), new Rng(4));
        // Four backward passes: on a pool of several threads the backward's tuner alternates its one-phase and
        // two-phase (row-split) ways while it learns, so both run, and every pass must give the same gradients.
        float[]? gradients = null;
        for (var pass = 0; pass < 4; pass++)
        {
            policy.Parameters.ZeroGradients();
            policy.Backward(kept, coefficients);
            var now = policy.Parameters.Gradients.ToArray();
            gradients ??= now;
            Assert.Equal(gradients, now);
        }
        var optimizer = new Adam(policy.Parameters.BufferLength);
        optimizer.Step(policy.Parameters);
        return new Outcome(tokens, sampleLogProbs, logProbs, gradients!, policy.Parameters.Values.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TransformerThreadsTest_AnyThreadCount_BitIdentical(bool subset)
    {
        var kept = subset ? Enumerable.Range(0, 100).Where(r => r % 3 != 1).ToArray() : Enumerable.Range(0, 100).ToArray();
        using var one = new WorkerPool(1);
        var expected = Run(one, kept);
        foreach (var threads in new[] { 2, 3 })
        {
            using var pool = new WorkerPool(threads);
            var actual = Run(pool, kept);
            Assert.Equal(expected.Tokens, actual.Tokens);
            Assert.Equal(expected.SampleLogProbs, actual.SampleLogProbs);
            Assert.Equal(expected.LogProbs, actual.LogProbs);
            Assert.Equal(expected.Gradients, actual.Gradients);
            Assert.Equal(expected.Values, actual.Values);
        }
    }
}
