using Delight.Numerics;
using Delight.Policies;

namespace Delight.Test.Policies;

public class TransformerPolicyTest
{
    static readonly TransformerOptions s_tiny = new()
    {
        VocabularySize = 3, SequenceLength = 6, Width = 8, HeadCount = 2, LayerCount = 2, FeedForwardWidth = 12, MaxRows = 4,
    };

    static TransformerPolicy Tiny(int seed = 1)
    {
        var policy = new TransformerPolicy(s_tiny);
        policy.Initialize(new Rng((ulong)seed));
        // Non-trivial LayerNorm parameters, so their gradients are exercised away from the γ = 1, β = 0 start.
        var rng = new Rng(99);
        foreach (var p in policy.Parameters.Parameters)
            if (p.Name.Contains(".ln")) GradientCheck.Random(p.Length, rng, 0.5).AsSpan().CopyTo(p.Value);
        return policy;
    }

    static int[] Tokens(int rows, int length, int seed)
    {
        var rng = new Rng((ulong)seed);
        var t = new int[rows * length];
        for (var i = 0; i < t.Length; i++) t[i] = rng.NextInt(s_tiny.VocabularySize);
        return t;
    }

    [Fact]
    public void TransformerPolicyTest_ParameterCount_DefaultIsAbout100K()
    {
        var policy = new TransformerPolicy(new TransformerOptions());
        // Reference count 100,224 (98,688 + 128·V + 64·L) plus our LayerNorm biases: 3 blocks × 2 × 64.
        Assert.Equal(100_224 + 384, policy.Parameters.Count);
        Assert.Equal("tok_emb.weight", policy.Parameters.Parameters[0].Name);
        Assert.Equal([192, 64], policy.Parameters["blocks.0.attn.qkv.weight"].Shape);
        Assert.Equal([2, 64], policy.Parameters["head.weight"].Shape);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TransformerPolicyTest_Backward_MatchesFiniteDifferences(int firstTarget)
    {
        const int rows = 3, length = 6;
        var policy = Tiny();
        var tokens = Tokens(rows, length, 5);
        var scored = length - firstTarget;
        var coefficient = GradientCheck.Random(rows * scored, new Rng(11));
        double Loss() => GradientCheck.Weighted(policy.Forward(tokens, rows, length, firstTarget), coefficient);
        Loss();
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2], coefficient);
        foreach (var p in policy.Parameters.Parameters)
            GradientCheck.Check(p.Name, p.Value, p.Gradient, Loss, step: 1e-2, rtol: 3e-2, atol: 3e-4, maxChecks: 40);
    }

    [Fact]
    public void TransformerPolicyTest_RowSubsetBackward_EqualsFullBackwardWithZeros()
    {
        const int rows = 4, length = 6, firstTarget = 2;
        var policy = Tiny();
        var tokens = Tokens(rows, length, 6);
        var scored = length - firstTarget;
        var coefficient = GradientCheck.Random(rows * scored, new Rng(12));
        int[] kept = [1, 3];
        // Full backward with zero upstream gradient on rows 0 and 2.
        var masked = (float[])coefficient.Clone();
        masked.AsSpan(0, scored).Clear();
        masked.AsSpan(2 * scored, scored).Clear();
        policy.Forward(tokens, rows, length, firstTarget);
        policy.Parameters.ZeroGradients();
        policy.Backward([0, 1, 2, 3], masked);
        var full = policy.Parameters.Gradients.ToArray();
        // Subset backward on the kept rows only, with their coefficients compacted.
        var compact = new float[kept.Length * scored];
        for (var k = 0; k < kept.Length; k++) coefficient.AsSpan(kept[k] * scored, scored).CopyTo(compact.AsSpan(k * scored));
        policy.Parameters.ZeroGradients();
        policy.Backward(kept, compact);
        GradientCheck.AssertClose(full, policy.Parameters.Gradients, 1e-5f, "gradient");
    }

    [Fact]
    public void TransformerPolicyTest_Sample_LogProbsMatchTeacherForcing()
    {
        const int rows = 4, length = 6, prompt = 2;
        var policy = Tiny();
        var tokens = Tokens(rows, length, 7);
        var logProbs = new float[rows * length];
        policy.Sample(tokens, logProbs, rows, prompt, length, new Rng(3));
        var teacher = policy.Forward(tokens, rows, length, prompt).ToArray();
        for (var b = 0; b < rows; b++)
        {
            for (var t = 0; t < prompt; t++) Assert.Equal(0f, logProbs[b * length + t]);
            for (var t = prompt; t < length; t++)
                Assert.Equal(teacher[b * (length - prompt) + t - prompt], logProbs[b * length + t], 4);
        }
    }

    [Fact]
    public void TransformerPolicyTest_Sample_SameSeedSameTokens()
    {
        const int rows = 4, length = 6, prompt = 2;
        var policy = Tiny();
        var a = Tokens(rows, length, 8);
        var b = (int[])a.Clone();
        float[] la = new float[a.Length], lb = new float[b.Length];
        policy.Sample(a, la, rows, prompt, length, new Rng(21));
        policy.Sample(b, lb, rows, prompt, length, new Rng(21));
        Assert.Equal(a, b);
        Assert.Equal(la, lb);
    }

    [Fact]
    public void TransformerPolicyTest_Sample_FollowsThePolicyDistribution()
    {
        // With a 2-token vocabulary, the empirical frequency of token 1 at the first answer position must match
        // the policy's probability (4000 draws: standard error ≈ 0.008).
        var policy = new TransformerPolicy(s_tiny with { VocabularySize = 2, MaxRows = 100 });
        policy.Initialize(new Rng(4));
        const int rows = 100, length = 3, prompt = 2;
        var tokens = new int[rows * length];
        var logProbs = new float[tokens.Length];
        var rng = new Rng(5);
        var ones = 0;
        for (var round = 0; round < 40; round++)
        {
            for (var b = 0; b < rows; b++) { tokens[b * length] = 1; tokens[b * length + 1] = 0; }
            policy.Sample(tokens, logProbs, rows, prompt, length, rng);
            for (var b = 0; b < rows; b++) ones += tokens[b * length + 2];
        }
        for (var b = 0; b < rows; b++) tokens[b * length + 2] = 1;
        var p1 = MathF.Exp(policy.Forward(tokens, 1, length, prompt)[0]);
        Assert.InRange(ones / 4000.0, p1 - 0.04, p1 + 0.04);
    }

    [Fact]
    public void TransformerPolicyTest_Forward_RejectsTokensOutsideVocabulary()
    {
        var policy = Tiny();
        var tokens = Tokens(1, 6, 9);
        tokens[4] = 3;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => policy.Forward(tokens, 1, 6, 1));
        Assert.Contains("outside the vocabulary", error.Message);
    }
}
