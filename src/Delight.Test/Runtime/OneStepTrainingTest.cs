using Delight.Losses;
using System.Text.Json.Nodes;
using Delight.Policies;
using Delight.Runtime;
using Delight.Test.Environments;

namespace Delight.Test.RuntimeTests;

/// <summary>One-step tasks go through the same runtime and learner as token tasks, with the policy their task needs.</summary>
public class OneStepTrainingTest
{
    [Fact]
    public void OneStepTrainingTest_BanditUpdates_PointAlongTheExactGradient()
    {
        var options = new TrainOptions { Steps = 250, Seed = 3, Task = new() { Name = "bandit", Arms = 10 }, Loss = new() { Method = Method.Pg }, Evaluation = new() { Rows = 200 } };
        var runtime = new SynchronousRuntime(options);
        Assert.IsType<TabularSoftmaxPolicy>(runtime.Session.Policy);
        var cosines = new List<double>();
        var summary = runtime.Run(s => cosines.Add(s.TrueGradientCosine));
        // On-policy PG with a baseline is an unbiased estimate of ∇J: with 100 samples a step it points along it.
        Assert.True(cosines.Average() > 0.8, $"mean cosine {cosines.Average()}");
        Assert.True(summary.Final.Error < summary.Initial.Error - 0.3, $"error {summary.Initial.Error} → {summary.Final.Error}");
    }

    [Fact]
    public void OneStepTrainingTest_Contamination_RecordsExactBehaviourLogProbs()
    {
        var options = new TrainOptions { Steps = 1, Seed = 1, Task = new() { Name = "bandit", Arms = 10 }, Loss = new() { Method = Method.IsPg }, Evaluation = new() { Rows = 50 }, Frictions = new() { Contamination = new() { Rate = 0.5f, Arm = 7 } } };
        var session = new TrainingSession(options);
        var actor = session.Components.CreateActor(session.Policy, "actor");
        var rollout = new Rollout(100, 1, 1);
        actor.Fill(rollout, 100, 1, 0);
        // Uniform initial policy: μ(7) = 0.5·0.1 + 0.5 = 0.55, μ(other) = 0.05; about 55 rows land on arm 7.
        var onArm = 0;
        for (var r = 0; r < 100; r++)
        {
            var expected = rollout.Answer(r)[0] == 7 ? MathF.Log(0.55f) : MathF.Log(0.05f);
            Assert.Equal(expected, rollout.BehaviourLogProbs[r * 2 + 1], 4);
            if (rollout.Answer(r)[0] == 7) onArm++;
        }
        Assert.InRange(onArm, 40, 70);
    }

    [Fact]
    public void OneStepTrainingTest_ContaminationOnATokenTask_IsRefused()
    {
        var options = new TrainOptions { Frictions = new() { Contamination = new() { Rate = 0.1f } } };
        var error = Assert.ThrowsAny<ArgumentException>(() => new SynchronousRuntime(options));
        Assert.Contains("--contamination applies to one-step tasks", error.Message);
    }

    [MnistFact]
    public void OneStepTrainingTest_Mnist_DgLearnsFromRealImages()
    {
        var runtime = new SynchronousRuntime(new TrainOptions { Steps = 300, Seed = 0, Task = new() { Name = "mnist" }, Loss = new() { Method = Method.Dg }, Evaluation = new() { Rows = 200 } });
        Assert.IsType<FeaturePolicy>(runtime.Session.Policy);
        var summary = runtime.Run();
        Assert.InRange(summary.Initial.Error, 0.8, 0.95);           // greedy guess on the 10000 test images
        Assert.True(summary.Final.Error < 0.2, $"test error {summary.Final.Error}");
        Assert.InRange(summary.Final.GreedySequenceError, summary.Final.Error, summary.Final.Error); // the error is the held-out greedy error
    }
}
