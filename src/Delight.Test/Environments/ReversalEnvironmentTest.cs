using Delight.Environments;
using Delight.Numerics;

namespace Delight.Test.Environments;

public class ReversalEnvironmentTest
{
    static float Reward(ReversalOptions options, int[] prompt, int[] answer)
        => new ReversalEnvironment(options).Reward(prompt, answer, new Rng(0));

    [Fact]
    public void ReversalEnvironmentTest_Reward_PrefixBeforeFirstError()
    {
        var o = new ReversalOptions { PromptLength = 4 };
        // Target = reverse([0,1,1,0]) = [0,1,1,0]; an error at position 2 leaves a prefix of 2 → 0.5.
        Assert.Equal(1f, Reward(o, [0, 1, 1, 0], [0, 1, 1, 0]));
        Assert.Equal(0.5f, Reward(o, [0, 1, 1, 0], [0, 1, 0, 0]));
        Assert.Equal(0f, Reward(o, [0, 1, 1, 0], [1, 1, 1, 0]));
        // Target = reverse([1,0,0,0]) = [0,0,0,1].
        Assert.Equal(0.75f, Reward(o, [1, 0, 0, 0], [0, 0, 0, 0]));
    }

    [Fact]
    public void ReversalEnvironmentTest_Reward_DenseCountsEveryCorrectPosition()
    {
        var o = new ReversalOptions { PromptLength = 4, RewardToFirstError = false };
        Assert.Equal(0.75f, Reward(o, [0, 1, 1, 0], [0, 1, 0, 0]));
        Assert.Equal(0.75f, Reward(o, [0, 1, 1, 0], [1, 1, 1, 0]));
    }

    [Fact]
    public void ReversalEnvironmentTest_Reward_KappaBonusAndIncrement()
    {
        var o = new ReversalOptions { PromptLength = 2, Kappa = 0.5f, TargetIncrement = true, TargetReverse = false };
        // Target = (prompt + 1) mod 2 = [1, 0] for prompt [0, 1].
        Assert.Equal(1f, Reward(o, [0, 1], [1, 0]));         // 0.5·1 + 0.5·1
        Assert.Equal(0.25f, Reward(o, [0, 1], [1, 1]));      // 0.5·0.5 + 0
    }

    [Fact]
    public void ReversalEnvironmentTest_SamplePrompt_UniformAndSeeded()
    {
        var env = new ReversalEnvironment(new ReversalOptions { PromptLength = 10, VocabularySize = 3 });
        var a = new int[10];
        var b = new int[10];
        env.SamplePrompt(new Rng(5), a);
        env.SamplePrompt(new Rng(5), b);
        Assert.Equal(a, b);
        var counts = new int[3];
        var rng = new Rng(6);
        for (var i = 0; i < 3000; i++)
        {
            env.SamplePrompt(rng, a);
            foreach (var t in a) counts[t]++;
        }
        foreach (var c in counts) Assert.InRange(c, 9000, 11000);
    }

    [Theory]
    [InlineData(0, 2, 1f)]
    [InlineData(4, 1, 1f)]
    [InlineData(4, 2, 1.5f)]
    public void ReversalEnvironmentTest_Options_RejectBadValues(int promptLength, int vocab, float kappa)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() =>
            new ReversalEnvironment(new ReversalOptions { PromptLength = promptLength, VocabularySize = vocab, Kappa = kappa }));
        Assert.Matches("prompt length|vocabulary|kappa", error.Message);
    }
}
