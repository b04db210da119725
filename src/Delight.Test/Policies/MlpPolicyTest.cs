using Delight.Numerics;
using Delight.Policies;

namespace Delight.Test.Policies;

public class MlpPolicyTest
{
    static readonly MlpOptions s_small = new() { InputCount = 7, HiddenWidths = [5, 4], ActionCount = 3, MaxRows = 6 };

    /// <summary>LeCun weights plus non-zero biases, so the bias gradients and ReLU masks are exercised.</summary>
    static MlpPolicy Small(MlpOptions? options = null, int seed = 1)
    {
        var policy = new MlpPolicy(options ?? s_small);
        policy.Initialize(new Rng((ulong)seed));
        var rng = new Rng(77);
        foreach (var p in policy.Parameters.Parameters)
            if (p.Name.EndsWith(".bias", StringComparison.Ordinal)) GradientCheck.Random(p.Length, rng, 0.3).AsSpan().CopyTo(p.Value);
        return policy;
    }

    static int[] Actions(int rows, int actionCount, int seed)
    {
        var rng = new Rng((ulong)seed);
        var a = new int[rows];
        for (var i = 0; i < rows; i++) a[i] = rng.NextInt(actionCount);
        return a;
    }

    /// <summary>A policy with no hidden layer, zero weights and the given output biases: π(· | x) = softmax(bias).</summary>
    static MlpPolicy Constant(float[] logits, int maxRows = 100)
    {
        var policy = new MlpPolicy(new MlpOptions { InputCount = 2, HiddenWidths = [], ActionCount = logits.Length, MaxRows = maxRows });
        logits.CopyTo(policy.Parameters["fc1.bias"].Value);
        return policy;
    }

    [Fact]
    public void MlpPolicyTest_Parameters_DefaultIs784x100x100x10()
    {
        var policy = new MlpPolicy(new MlpOptions());
        Assert.Equal(784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10, policy.Parameters.Count);
        Assert.Equal(89_610, policy.Parameters.Count);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"],
            policy.Parameters.Parameters.Select(p => p.Name));
        Assert.Equal([100, 784], policy.Parameters["fc1.weight"].Shape);
        Assert.Equal([100], policy.Parameters["fc1.bias"].Shape);
        Assert.Equal([100, 100], policy.Parameters["fc2.weight"].Shape);
        Assert.Equal([10, 100], policy.Parameters["fc3.weight"].Shape);
        Assert.Equal([10], policy.Parameters["fc3.bias"].Shape);
        Assert.Equal("mlp", policy.Kind);
        Assert.Equal(1, policy.ActionsPerRow);
    }

    [Fact]
    public void MlpPolicyTest_Metadata_RoundTripsThroughOptionsFromMetadata()
    {
        var policy = new MlpPolicy(new MlpOptions());
        Assert.Equal("mlp", policy.Metadata["policy"]);
        Assert.Equal("784", policy.Metadata["input"]);
        Assert.Equal("100,100", policy.Metadata["hidden"]);
        Assert.Equal("10", policy.Metadata["actions"]);
        Assert.Equal(new MlpOptions(), MlpPolicy.OptionsFromMetadata(policy.Metadata));
        Assert.Equal("MlpOptions { InputCount = 784, HiddenWidths = [100, 100], ActionCount = 10, MaxRows = 100 }", new MlpOptions().ToString());

        var linear = new MlpPolicy(new MlpOptions { InputCount = 3, HiddenWidths = [], ActionCount = 2, MaxRows = 7 });
        Assert.Equal("", linear.Metadata["hidden"]);
        Assert.Equal(["fc1.weight", "fc1.bias"], linear.Parameters.Parameters.Select(p => p.Name));
        Assert.Equal(linear.Options, MlpPolicy.OptionsFromMetadata(linear.Metadata, maxRows: 7));

        var error = Assert.Throws<FormatException>(() => MlpPolicy.OptionsFromMetadata(new Dictionary<string, string>
        {
            ["policy"] = "mlp", ["input"] = "3", ["hidden"] = "4,x", ["actions"] = "2",
        }));
        Assert.Contains("'hidden'", error.Message);
    }

    [Fact]
    public void MlpPolicyTest_Initialize_SameSeedSameParameters()
    {
        var a = new MlpPolicy(s_small);
        var b = new MlpPolicy(s_small);
        a.Initialize(new Rng(3));
        b.Initialize(new Rng(3));
        Assert.Equal(a.Parameters.Values.ToArray(), b.Parameters.Values.ToArray());
        Assert.All(a.Parameters["fc2.bias"].Value.ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains(a.Parameters["fc2.weight"].Value.ToArray(), v => v != 0f);
    }

    [Theory]
    [InlineData(new[] { 5, 4 })]
    [InlineData(new[] { 6 })]
    [InlineData(new int[0])]
    public void MlpPolicyTest_Backward_MatchesFiniteDifferences(int[] hidden)
    {
        const int rows = 4;
        var policy = Small(s_small with { HiddenWidths = hidden });
        var inputs = GradientCheck.Random(rows * s_small.InputCount, new Rng(5));
        var actions = Actions(rows, s_small.ActionCount, 6);
        var coefficient = GradientCheck.Random(rows, new Rng(11));
        double Loss()
        {
            policy.Forward(inputs, rows);
            return GradientCheck.Weighted(policy.ScoreActions(actions), coefficient);
        }
        Loss();
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2, 3], coefficient);
        foreach (var p in policy.Parameters.Parameters)
            GradientCheck.Check(p.Name, p.Value, p.Gradient, Loss, step: 1e-2, rtol: 3e-2, atol: 3e-4, maxChecks: 60);
    }

    [Fact]
    public void MlpPolicyTest_RowSubsetBackward_EqualsFullBackwardWithZeros()
    {
        const int rows = 6;
        var policy = Small();
        var inputs = GradientCheck.Random(rows * s_small.InputCount, new Rng(7));
        var actions = Actions(rows, s_small.ActionCount, 8);
        var coefficient = GradientCheck.Random(rows, new Rng(12));
        int[] kept = [1, 3, 4];
        var masked = new float[rows];
        foreach (var r in kept) masked[r] = coefficient[r];
        policy.Forward(inputs, rows);
        policy.ScoreActions(actions);
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2, 3, 4, 5], masked);
        var full = policy.Parameters.Gradients.ToArray();
        var compact = kept.Select(r => coefficient[r]).ToArray();
        policy.Parameters.ZeroGradients();
        policy.Backward(kept, compact);
        GradientCheck.AssertClose(full, policy.Parameters.Gradients, 1e-5f, "gradient");
        Assert.Contains(full, g => g != 0f);
    }

    [Fact]
    public void MlpPolicyTest_Backward_AccumulatesAcrossCalls()
    {
        const int rows = 3;
        var policy = Small();
        var inputs = GradientCheck.Random(rows * s_small.InputCount, new Rng(9));
        policy.Forward(inputs, rows);
        policy.ScoreActions([0, 2, 1]);
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2], [1f, -2f, 0.5f]);
        var once = policy.Parameters.Gradients.ToArray();
        policy.Backward([0, 1, 2], [1f, -2f, 0.5f]);
        GradientCheck.AssertClose(once.Select(g => 2 * g).ToArray(), policy.Parameters.Gradients, 1e-6f, "twice");
    }

    [Fact]
    public void MlpPolicyTest_Forward_HandComputedLinearSoftmax()
    {
        // No hidden layer, W = 0, b = [0, ln 3]: π = (0.25, 0.75) for any input.
        var policy = Constant([0f, MathF.Log(3f)]);
        var logProbs = policy.Forward([0.5f, -2f], 1);
        Assert.Equal(MathF.Log(0.25f), logProbs[0], 5);
        Assert.Equal(MathF.Log(0.75f), logProbs[1], 5);
        Assert.Equal(MathF.Log(0.75f), policy.ScoreActions([1])[0], 5);
        Assert.Equal(MathF.Log(0.75f), policy.ActionLogProbs[0], 5);
        // d log π(1) / d logits = onehot(1) − π = (−0.25, 0.25); dW = that ⊗ x.
        policy.Parameters.ZeroGradients();
        policy.Backward([0], [1f]);
        var db = policy.Parameters["fc1.bias"].Gradient;
        Assert.Equal(-0.25f, db[0], 5);
        Assert.Equal(0.25f, db[1], 5);
        var dw = policy.Parameters["fc1.weight"].Gradient;
        Assert.Equal([-0.125f, 0.5f, 0.125f, -0.5f], dw.ToArray().Select(v => MathF.Round(v, 5)));
        var entropy = new float[1];
        policy.Entropies(entropy);
        Assert.Equal(-(0.25f * MathF.Log(0.25f) + 0.75f * MathF.Log(0.75f)), entropy[0], 5);
    }

    [Fact]
    public void MlpPolicyTest_Forward_ReluZeroesNegativeHiddenUnits()
    {
        // One hidden unit with a negative pre-activation: the output cannot depend on the input, and no gradient reaches fc1.
        var policy = new MlpPolicy(new MlpOptions { InputCount = 2, HiddenWidths = [1], ActionCount = 2, MaxRows = 1 });
        policy.Parameters["fc1.weight"].Value.Fill(1f);
        policy.Parameters["fc1.bias"].Value[0] = -10f;
        policy.Parameters["fc2.weight"].Value.Fill(3f);
        policy.Forward([1f, 2f], 1);
        policy.ScoreActions([0]);
        Assert.Equal(MathF.Log(0.5f), policy.ActionLogProbs[0], 5);
        policy.Parameters.ZeroGradients();
        policy.Backward([0], [1f]);
        Assert.All(policy.Parameters["fc1.weight"].Gradient.ToArray(), g => Assert.Equal(0f, g));
        Assert.All(policy.Parameters["fc1.bias"].Gradient.ToArray(), g => Assert.Equal(0f, g));
        Assert.Equal([0.5f, -0.5f], policy.Parameters["fc2.bias"].Gradient.ToArray());
    }

    [Fact]
    public void MlpPolicyTest_SampleActions_FollowsThePolicyDistribution()
    {
        // π = (0.1, 0.3, 0.6); 8000 draws: standard error ≤ 0.0055 per class.
        var policy = Constant([MathF.Log(0.1f), MathF.Log(0.3f), MathF.Log(0.6f)]);
        const int rows = 100;
        var inputs = new float[rows * 2];
        var actions = new int[rows];
        var logProbs = new float[rows];
        var counts = new int[3];
        var rng = new Rng(5);
        for (var round = 0; round < 80; round++)
        {
            policy.Forward(inputs, rows);
            policy.SampleActions(actions, logProbs, rng);
            foreach (var a in actions) counts[a]++;
            for (var b = 0; b < rows; b++) Assert.Equal(policy.LogProbs[b * 3 + actions[b]], logProbs[b]);
        }
        Assert.InRange(counts[0] / 8000.0, 0.1 - 0.025, 0.1 + 0.025);
        Assert.InRange(counts[1] / 8000.0, 0.3 - 0.025, 0.3 + 0.025);
        Assert.InRange(counts[2] / 8000.0, 0.6 - 0.025, 0.6 + 0.025);
        Assert.Equal(actions, policy.Actions.ToArray());
        Assert.Equal(logProbs, policy.ActionLogProbs.ToArray());
    }

    [Fact]
    public void MlpPolicyTest_SampleActions_NeverPicksAClassWithoutMass()
    {
        // Class 1 has probability exp(−200) = 0 in float: never sampled, even when u is close to 1.
        var policy = Constant([0f, -200f, 0f]);
        var actions = new int[100];
        var logProbs = new float[100];
        var rng = new Rng(8);
        for (var round = 0; round < 20; round++)
        {
            policy.Forward(new float[200], 100);
            policy.SampleActions(actions, logProbs, rng);
            Assert.DoesNotContain(1, actions);
        }
    }

    [Fact]
    public void MlpPolicyTest_SampleActions_SameSeedSameActions()
    {
        const int rows = 6;
        var policy = Small();
        var inputs = GradientCheck.Random(rows * s_small.InputCount, new Rng(13), 3.0);
        int[] a = new int[rows], b = new int[rows];
        float[] la = new float[rows], lb = new float[rows];
        policy.Forward(inputs, rows);
        policy.SampleActions(a, la, new Rng(21));
        policy.Forward(inputs, rows);
        policy.SampleActions(b, lb, new Rng(21));
        Assert.Equal(a, b);
        Assert.Equal(la, lb);
        // Scoring the sampled actions gives the same log-probs.
        Assert.Equal(la, policy.ScoreActions(a).ToArray());
    }

    [Fact]
    public void MlpPolicyTest_ScoreActions_RejectsActionOutsideRange()
    {
        var policy = Small();
        policy.Forward(new float[2 * s_small.InputCount], 2);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => policy.ScoreActions([0, 3]));
        Assert.Contains("action 3 at row 1 is outside [0, 3)", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => policy.ScoreActions([-1, 0]));
        Assert.Contains("action -1 at row 0", error.Message);
        Assert.Contains("fewer than the last forward's 2 rows", Assert.ThrowsAny<ArgumentException>(() => policy.ScoreActions([0])).Message);
    }

    [Fact]
    public void MlpPolicyTest_Forward_RejectsBadRowsAndShortInput()
    {
        var policy = Small();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => policy.Forward(new float[7 * s_small.InputCount], 7));
        Assert.Contains("rows 7 must be in [1, 6]", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => policy.Forward(new float[7], 0));
        Assert.Contains("rows 0 must be in [1, 6]", error.Message);
        var shortInput = Assert.ThrowsAny<ArgumentException>(() => policy.Forward(new float[13], 2));
        Assert.Contains("inputs holds 13 values, fewer than rows·input", shortInput.Message);
    }

    [Fact]
    public void MlpPolicyTest_Backward_RejectsUnscoredForwardAndBadRows()
    {
        var policy = Small();
        Assert.Throws<InvalidOperationException>(() => policy.ScoreActions([0]));
        policy.Forward(new float[3 * s_small.InputCount], 3);
        var unscored = Assert.Throws<InvalidOperationException>(() => policy.Backward([0], [1f]));
        Assert.Contains("ScoreActions", unscored.Message);
        policy.ScoreActions([0, 1, 2]);
        Assert.Contains("row 3 is outside", Assert.Throws<ArgumentOutOfRangeException>(() => policy.Backward([3], [1f])).Message);
        Assert.Contains("ascending", Assert.ThrowsAny<ArgumentException>(() => policy.Backward([1, 0], [1f, 1f])).Message);
        Assert.Contains("dLogProbs holds 1", Assert.ThrowsAny<ArgumentException>(() => policy.Backward([0, 1], [1f])).Message);
        // A new forward forgets the recorded actions.
        policy.Forward(new float[3 * s_small.InputCount], 3);
        Assert.True(policy.ActionLogProbs.IsEmpty);
        Assert.Throws<InvalidOperationException>(() => policy.Backward([0], [1f]));
    }

    [Theory]
    [InlineData(0, 10, 100, "input must be a positive integer, got 0")]
    [InlineData(784, 0, 100, "actions must be a positive integer, got 0")]
    [InlineData(784, -3, 100, "actions must be a positive integer, got -3")]
    [InlineData(784, 10, 0, "max rows must be a positive integer, got 0")]
    public void MlpPolicyTest_Options_RejectNonPositiveSizes(int input, int actions, int maxRows, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new MlpPolicy(new MlpOptions { InputCount = input, ActionCount = actions, MaxRows = maxRows }));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void MlpPolicyTest_Options_RejectNonPositiveHiddenWidth()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new MlpPolicy(new MlpOptions { HiddenWidths = [100, 0] }));
        Assert.Contains("hidden width 0 of hidden layer 2 must be a positive integer", error.Message);
    }

    [Fact]
    public void MlpPolicyTest_Options_WidthsAreCopied()
    {
        var widths = new[] { 5, 4 };
        var policy = new MlpPolicy(s_small with { HiddenWidths = widths });
        widths[0] = 9;
        Assert.Equal([5, 4], policy.Options.HiddenWidths);
        Assert.Equal("5,4", policy.Metadata["hidden"]);
    }

    [Fact]
    public void MlpPolicyTest_StepLoop_AllocatesNothing()
    {
        // The MNIST shape at batch 100: forward, sample, score, backward over every row and over a subset.
        var policy = new MlpPolicy(new MlpOptions());
        policy.Initialize(new Rng(1));
        const int rows = 100;
        var inputs = GradientCheck.Random(rows * 784, new Rng(2));
        var actions = new int[rows];
        var logProbs = new float[rows];
        var all = Enumerable.Range(0, rows).ToArray();
        var odd = Enumerable.Range(0, rows / 2).Select(i => 2 * i + 1).ToArray();
        var dLogProbs = GradientCheck.Random(rows, new Rng(3));
        var entropy = new float[rows];
        var rng = new Rng(4);
        void Step()
        {
            policy.Forward(inputs, rows);
            policy.SampleActions(actions, logProbs, rng);
            policy.ScoreActions(actions);
            policy.Entropies(entropy);
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
