using Delight.Numerics;
using Delight.Policies;

namespace Delight.Test.Policies;

public class TabularSoftmaxPolicyTest
{
    static readonly TabularOptions s_small = new() { ContextCount = 3, ActionCount = 4, MaxRows = 8, InitStd = 1f };

    static TabularSoftmaxPolicy Small(int seed = 1)
    {
        var policy = new TabularSoftmaxPolicy(s_small);
        policy.Initialize(new Rng((ulong)seed));
        return policy;
    }

    static int[] Draw(int count, int exclusiveMax, int seed)
    {
        var rng = new Rng((ulong)seed);
        var a = new int[count];
        for (var i = 0; i < count; i++) a[i] = rng.NextInt(exclusiveMax);
        return a;
    }

    static TabularSoftmaxPolicy TwoArms()
    {
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 1, ActionCount = 2 });
        policy.Parameters["logits"].Value[1] = MathF.Log(3f);
        return policy;
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_Forward_HandComputedTwoArms()
    {
        // logits [0, ln 3]: π = (0.25, 0.75).
        var policy = TwoArms();
        var logProbs = policy.Forward([0, 0], 2);
        Assert.Equal(MathF.Log(0.25f), logProbs[0], 6);
        Assert.Equal(MathF.Log(0.75f), logProbs[1], 6);
        Assert.Equal(logProbs[0], logProbs[2]);
        Assert.Equal(logProbs[1], logProbs[3]);
        var scored = policy.ScoreActions([1, 0]);
        Assert.Equal(MathF.Log(0.75f), scored[0], 6);
        Assert.Equal(MathF.Log(0.25f), scored[1], 6);
        var p = new float[2];
        policy.Probabilities(0, p);
        Assert.Equal(0.25f, p[0], 6);
        Assert.Equal(0.75f, p[1], 6);
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_Backward_HandComputedGradient()
    {
        // d log π(a=1) / d logits = onehot(1) − π = (−0.25, 0.25).
        var policy = TwoArms();
        policy.Forward([0], 1);
        policy.ScoreActions([1]);
        policy.Parameters.ZeroGradients();
        policy.Backward([0], [1f]);
        var g = policy.Parameters["logits"].Gradient;
        Assert.Equal(-0.25f, g[0], 6);
        Assert.Equal(0.25f, g[1], 6);
        // A second row on the same context with action 0 and weight 2 adds 2·(0.75, −0.75).
        policy.Forward([0, 0], 2);
        policy.ScoreActions([1, 0]);
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1], [1f, 2f]);
        Assert.Equal(-0.25f + 1.5f, g[0], 6);
        Assert.Equal(0.25f - 1.5f, g[1], 6);
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_Backward_MatchesFiniteDifferences()
    {
        const int rows = 8;
        var policy = Small();
        var contexts = Draw(rows, s_small.ContextCount, 5);
        var actions = Draw(rows, s_small.ActionCount, 6);
        var coefficient = GradientCheck.Random(rows, new Rng(11));
        double Loss()
        {
            policy.Forward(contexts, rows);
            return GradientCheck.Weighted(policy.ScoreActions(actions), coefficient);
        }
        Loss();
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2, 3, 4, 5, 6, 7], coefficient);
        foreach (var p in policy.Parameters.Parameters)
            GradientCheck.Check(p.Name, p.Value, p.Gradient, Loss, step: 1e-2, rtol: 2e-2, atol: 2e-4);
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_RowSubsetBackward_EqualsFullBackwardWithZeros()
    {
        const int rows = 8;
        var policy = Small();
        var contexts = Draw(rows, s_small.ContextCount, 7);
        var actions = Draw(rows, s_small.ActionCount, 8);
        var coefficient = GradientCheck.Random(rows, new Rng(12));
        int[] kept = [0, 2, 5, 6];
        var masked = new float[rows];
        foreach (var r in kept) masked[r] = coefficient[r];
        policy.Forward(contexts, rows);
        policy.ScoreActions(actions);
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2, 3, 4, 5, 6, 7], masked);
        var full = policy.Parameters.Gradients.ToArray();
        policy.Parameters.ZeroGradients();
        policy.Backward(kept, kept.Select(r => coefficient[r]).ToArray());
        GradientCheck.AssertClose(full, policy.Parameters.Gradients, 1e-5f, "gradient");
        Assert.Contains(full, g => g != 0f);
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_Parameters_OneLogitsTableAndMetadata()
    {
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 5, ActionCount = 3 });
        var only = Assert.Single(policy.Parameters.Parameters);
        Assert.Equal("logits", only.Name);
        Assert.Equal([5, 3], only.Shape);
        Assert.Equal(15, policy.Parameters.Count);
        Assert.Equal("tabular", policy.Kind);
        Assert.Equal(1, policy.ActionsPerRow);
        Assert.Equal("tabular", policy.Metadata["policy"]);
        Assert.Equal("5", policy.Metadata["contexts"]);
        Assert.Equal("3", policy.Metadata["actions"]);
        Assert.Equal(policy.Options, TabularSoftmaxPolicy.OptionsFromMetadata(policy.Metadata));
        Assert.Throws<FormatException>(() => TabularSoftmaxPolicy.OptionsFromMetadata(new Dictionary<string, string> { ["contexts"] = "5" }));
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_Initialize_UniformUnlessInitStd()
    {
        var uniform = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 2, ActionCount = 4, InitialLogit = 0.5f });
        uniform.Initialize(new Rng(1));
        Assert.All(uniform.Parameters["logits"].Value.ToArray(), v => Assert.Equal(0.5f, v));
        var p = new float[4];
        uniform.Probabilities(1, p);
        Assert.All(p, v => Assert.Equal(0.25f, v, 6));

        var a = Small(3);
        var b = Small(3);
        Assert.Equal(a.Parameters.Values.ToArray(), b.Parameters.Values.ToArray());
        Assert.True(a.Parameters["logits"].Value.ToArray().Distinct().Count() > 1);
        a.Probabilities(2, p);
        Assert.Equal(1f, p.Sum(), 5);
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_SampleActions_FollowsThePolicyDistribution()
    {
        // Context 0: π = (0.25, 0.75); context 1: π = (0.9, 0.1). 5000 draws each: standard error ≤ 0.0062.
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 2, ActionCount = 2, MaxRows = 1000 });
        var logits = policy.Parameters["logits"].Value;
        logits[1] = MathF.Log(3f);
        logits[2] = MathF.Log(9f);
        var contexts = Enumerable.Range(0, 1000).Select(i => i % 2).ToArray();
        var actions = new int[1000];
        var logProbs = new float[1000];
        var rng = new Rng(5);
        int ones0 = 0, ones1 = 0;
        for (var round = 0; round < 10; round++)
        {
            policy.Forward(contexts, 1000);
            policy.SampleActions(actions, logProbs, rng);
            for (var b = 0; b < 1000; b++)
            {
                if (contexts[b] == 0) ones0 += actions[b]; else ones1 += actions[b];
                Assert.Equal(policy.LogProbs[b * 2 + actions[b]], logProbs[b]);
            }
        }
        Assert.InRange(ones0 / 5000.0, 0.75 - 0.03, 0.75 + 0.03);
        Assert.InRange(ones1 / 5000.0, 0.1 - 0.03, 0.1 + 0.03);
        Assert.Equal(logProbs, policy.ActionLogProbs.ToArray());
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_SampleActions_SameSeedSameActions()
    {
        var policy = Small();
        var contexts = Draw(8, s_small.ContextCount, 9);
        int[] a = new int[8], b = new int[8];
        float[] la = new float[8], lb = new float[8];
        policy.Forward(contexts, 8);
        policy.SampleActions(a, la, new Rng(21));
        policy.Forward(contexts, 8);
        policy.SampleActions(b, lb, new Rng(21));
        Assert.Equal(a, b);
        Assert.Equal(la, lb);
        Assert.Equal(la, policy.ScoreActions(a).ToArray());
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_Entropies_UniformIsLogK()
    {
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 2, ActionCount = 4 });
        policy.Forward([1, 0, 1], 3);
        var h = new float[3];
        policy.Entropies(h);
        Assert.All(h, v => Assert.Equal(MathF.Log(4f), v, 5));
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_BadInput_ThrowsNamingTheProblem()
    {
        var policy = Small();
        Assert.Contains("context 3 at row 1 is outside [0, 3)",
            Assert.Throws<ArgumentOutOfRangeException>(() => policy.Forward([0, 3], 2)).Message);
        Assert.Contains("rows 9 must be in [1, 8]",
            Assert.Throws<ArgumentOutOfRangeException>(() => policy.Forward(new int[9], 9)).Message);
        Assert.Contains("rows 0 must be in [1, 8]",
            Assert.Throws<ArgumentOutOfRangeException>(() => policy.Forward(new int[1], 0)).Message);
        Assert.Contains("contexts holds 1 values", Assert.ThrowsAny<ArgumentException>(() => policy.Forward([0], 2)).Message);
        Assert.Throws<InvalidOperationException>(() => Small().ScoreActions([0]));
        policy.Forward([0, 1], 2);
        Assert.Throws<InvalidOperationException>(() => policy.Backward([0], [1f]));
        Assert.Contains("action 4 at row 0 is outside [0, 4)",
            Assert.Throws<ArgumentOutOfRangeException>(() => policy.ScoreActions([4, 0])).Message);
        policy.ScoreActions([3, 0]);
        Assert.Contains("row 2 is outside", Assert.Throws<ArgumentOutOfRangeException>(() => policy.Backward([2], [1f])).Message);
        Assert.Contains("context 5 is outside [0, 3)",
            Assert.Throws<ArgumentOutOfRangeException>(() => policy.Probabilities(5, new float[4])).Message);
    }

    [Theory]
    [InlineData(0, 2, 10, "contexts must be a positive integer, got 0")]
    [InlineData(1, -2, 10, "actions must be a positive integer, got -2")]
    [InlineData(1, 2, 0, "max rows must be a positive integer, got 0")]
    public void TabularSoftmaxPolicyTest_Options_RejectNonPositiveSizes(int contexts, int actions, int maxRows, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() =>
            new TabularSoftmaxPolicy(new TabularOptions { ContextCount = contexts, ActionCount = actions, MaxRows = maxRows }));
        Assert.Contains(message, error.Message);
        Assert.Contains("init std -1", Assert.ThrowsAny<ArgumentException>(() =>
            new TabularSoftmaxPolicy(new TabularOptions { InitStd = -1f })).Message);
    }

    [Fact]
    public void TabularSoftmaxPolicyTest_StepLoop_AllocatesNothing()
    {
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 10, ActionCount = 5, InitStd = 0.5f });
        policy.Initialize(new Rng(1));
        const int rows = 1000;
        var contexts = Draw(rows, 10, 2);
        var actions = new int[rows];
        var logProbs = new float[rows];
        var all = Enumerable.Range(0, rows).ToArray();
        var odd = Enumerable.Range(0, rows / 2).Select(i => 2 * i + 1).ToArray();
        var dLogProbs = GradientCheck.Random(rows, new Rng(3));
        var entropy = new float[rows];
        var p = new float[5];
        var rng = new Rng(4);
        void Step()
        {
            policy.Forward(contexts, rows);
            policy.SampleActions(actions, logProbs, rng);
            policy.ScoreActions(actions);
            policy.Entropies(entropy);
            policy.Probabilities(3, p);
            policy.Parameters.ZeroGradients();
            policy.Backward(all, dLogProbs);
            policy.Backward(odd, dLogProbs.AsSpan(0, odd.Length));
        }
        for (var i = 0; i < 10; i++) Step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
