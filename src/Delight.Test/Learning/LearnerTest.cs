using Delight.Losses;
using Delight.Runtime;

namespace Delight.Test.Learning;

public class LearnerTest
{
    static TrainOptions Small(string method, ulong seed) => new()
    {
        Seed = seed,
        Steps = 4,
        Loss = new() { Method = KebabCase.Parse<Method>(method) },
        Task = new() { PromptLength = 4 },
        Batch = new() { Prompts = 4, Samples = 4 },
        Evaluation = new() { Rows = 50 },
    };

    static List<string> Metrics(TrainOptions options)
    {
        var lines = new List<string>();
        var trainer = new SynchronousRuntime(options);
        var summary = trainer.Run(r => lines.Add(r.Learner is var x ? $"{r.Step} {x.Loss:R} {x.RewardMean:R} {x.GradientNorm:R} {x.GateMean:R} {x.KeptRowFraction:R}" : ""));
        lines.Add($"{summary.Initial.Error:R} {summary.Final.Error:R}");
        return lines;
    }

    [Theory]
    [InlineData("pg")]
    [InlineData("dg")]
    public void LearnerTest_SameSeed_IdenticalMetrics(string method)
    {
        Assert.Equal(Metrics(Small(method, 3)), Metrics(Small(method, 3)));
        Assert.NotEqual(Metrics(Small(method, 3)), Metrics(Small(method, 4)));
    }

    [Fact]
    public void LearnerTest_RowsWithZeroAdvantage_AreNotBackpropagated()
    {
        // Each prompt's two samples share a reward: the grouped baseline equals it, every coefficient is 0.
        var policy = new Delight.Policies.TransformerPolicy(new Delight.Policies.TransformerOptions { SequenceLength = 6, Width = 8, HeadCount = 2, LayerCount = 1, FeedForwardWidth = 8, MaxRows = 4 });
        policy.Initialize(new Delight.Numerics.Rng(1));
        var learner = new Delight.Learning.Learner(policy, new Delight.Losses.Reinforce(), new Delight.Numerics.Adam(policy.Parameters.BufferLength));
        var rollout = new Rollout(4, 3, 3) { RowCount = 4, SamplesPerPrompt = 2 };
        for (var i = 0; i < rollout.Tokens.Length; i++) rollout.Tokens[i] = i % 2;
        float[] rewards = [1, 1, 0.5f, 0.5f];
        rewards.CopyTo(rollout.Rewards, 0);
        var before = policy.Parameters.Values.ToArray();
        var metrics = learner.Step(rollout);
        Assert.Equal(0, metrics.BackwardRows);
        Assert.Equal(4, metrics.ForwardRows);
        Assert.Equal(before, policy.Parameters.Values.ToArray());
    }

    [Fact]
    public void LearnerTest_GroupedBaselineWithOneSample_IsRefused()
    {
        var error = Assert.Throws<OptionException>(() => (Small("pg", 1) with { Batch = new() { Prompts = 4, Samples = 1 } }).Validate());
        Assert.Equal("--advantage", error.Option);
        Assert.Contains("--advantage global", error.Message);
    }

    [Theory]
    [InlineData("pg")]
    [InlineData("dg")]
    public void LearnerTest_Reversal_ErrorFalls(string method)
    {
        // A small reversal (H = 3, 8 distinct prompts) must be mostly learned within 150 steps.
        var trainer = new SynchronousRuntime(new TrainOptions
        {
            Seed = 1,
            Steps = 150,
            Loss = new() { Method = KebabCase.Parse<Method>(method) },
            Task = new() { PromptLength = 3 },
            Batch = new() { Prompts = 8, Samples = 8 },
            Evaluation = new() { Rows = 400 },
        });
        var summary = trainer.Run();
        Assert.True(summary.Initial.Error > 0.5, $"initial error {summary.Initial.Error}");
        Assert.True(summary.Final.Error < 0.25, $"final error {summary.Final.Error} (initial {summary.Initial.Error})");
    }
}
