using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Test.Learning;

/// <summary>Bad rollouts are refused with a message naming the rollout and the problem, and nothing is learned.</summary>
public class LearnerInputTest
{
    static (Learner Learner, Rollout Rollout) Setup(ILoss loss, LearnerOptions? options = null)
    {
        var policy = new TransformerPolicy(new TransformerOptions { SequenceLength = 6, Width = 8, HeadCount = 2, LayerCount = 1, FeedForwardWidth = 8, MaxRows = 4 });
        policy.Initialize(new Rng(1));
        var learner = new Learner(policy, loss, new Adam(policy.Parameters.BufferLength), options);
        var rollout = new Rollout(4, 3, 3) { RowCount = 4, SamplesPerPrompt = 2, PolicyVersion = 7 };
        var rng = new Rng(2);
        for (var i = 0; i < rollout.Tokens.Length; i++) rollout.Tokens[i] = rng.NextInt(2);
        for (var r = 0; r < 4; r++)
        {
            rollout.Rewards[r] = r * 0.25f;
            for (var t = 3; t < 6; t++) rollout.BehaviourLogProbs[r * 6 + t] = -0.7f;
        }
        return (learner, rollout);
    }

    static void AssertRefused(Learner learner, Rollout rollout, string expected)
    {
        var before = learner.Policy.Parameters.Values.ToArray();
        var error = Assert.ThrowsAny<ArgumentException>(() => learner.Step(rollout));
        Assert.Contains(expected, error.Message);
        Assert.Contains("policy version 7", error.Message);
        Assert.Equal(before, learner.Policy.Parameters.Values.ToArray());
        Assert.Equal(0, learner.PolicyVersion);
    }

    [Fact]
    public void LearnerInputTest_NonFiniteReward_IsRefused()
    {
        var (learner, rollout) = Setup(new Reinforce());
        rollout.Rewards[2] = float.NaN;
        AssertRefused(learner, rollout, "non-finite reward");
    }

    [Fact]
    public void LearnerInputTest_MethodNeedingBehaviourLogProbs_RefusesDataWithout()
    {
        var (learner, rollout) = Setup(new Ppo());
        rollout.HasBehaviourLogProbs = false;
        AssertRefused(learner, rollout, "needs behaviour log-probs");
    }

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    [InlineData(0.5f)]
    public void LearnerInputTest_BadBehaviourLogProb_IsRefused(float value)
    {
        var (learner, rollout) = Setup(new Vaco());
        rollout.BehaviourLogProbs[1 * 6 + 4] = value;
        AssertRefused(learner, rollout, "behaviour log-prob");
    }

    [Fact]
    public void LearnerInputTest_SpeculativeScreenWithoutAGate_IsAnOptionError()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new LearnerOptions { Screen = ScreenMode.Speculative }.Validate());
        Assert.Contains("--screen speculative", error.Message);
    }

    [Fact]
    public void LearnerInputTest_GoodRollout_IsLearned()
    {
        var (learner, rollout) = Setup(new Ppo());
        var metrics = learner.Step(rollout);
        Assert.Equal(1, learner.PolicyVersion);
        Assert.True(metrics.RatioMean is > 0.1f and < 10f);
        Assert.Equal(4, metrics.ForwardRows);
    }
}
