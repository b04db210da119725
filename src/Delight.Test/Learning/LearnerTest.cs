using Delight.Runtime;

namespace Delight.Test.Learning;

public class LearnerTest
{
    static TrainOptions Small(string method, ulong seed) => new()
    {
        Method = method, Seed = seed, Steps = 4, PromptLength = 4, PromptsPerBatch = 4, SamplesPerPrompt = 4, EvaluationRows = 50,
    };

    static List<string> Metrics(TrainOptions options)
    {
        var lines = new List<string>();
        var trainer = new SynchronousTrainer(options);
        var summary = trainer.Run((step, m, _) => lines.Add(m with { } is var x ? $"{step} {x.Loss:R} {x.RewardMean:R} {x.GradientNorm:R} {x.GateMean:R} {x.KeptRowFraction:R}" : ""));
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
        // One sample per prompt: the grouped baseline equals the reward, every coefficient is 0, nothing is kept.
        var trainer = new SynchronousTrainer(Small("pg", 1) with { SamplesPerPrompt = 1, Steps = 1 });
        var before = trainer.Policy.Parameters.Values.ToArray();
        var work = trainer.Run().Work;
        Assert.Equal(0, work.BackwardRows);
        Assert.Equal(4, work.ForwardRows);
        Assert.Equal(before, trainer.Policy.Parameters.Values.ToArray());
    }

    [Theory]
    [InlineData("pg")]
    [InlineData("dg")]
    public void LearnerTest_Reversal_ErrorFalls(string method)
    {
        // A small reversal (H = 3, 8 distinct prompts) must be mostly learned within 150 steps.
        var trainer = new SynchronousTrainer(new TrainOptions
        {
            Method = method, Seed = 1, Steps = 150, PromptLength = 3, PromptsPerBatch = 8, SamplesPerPrompt = 8,
            EvaluationRows = 400,
        });
        var summary = trainer.Run();
        Assert.True(summary.Initial.Error > 0.5, $"initial error {summary.Initial.Error}");
        Assert.True(summary.Final.Error < 0.25, $"final error {summary.Final.Error} (initial {summary.Initial.Error})");
    }
}
