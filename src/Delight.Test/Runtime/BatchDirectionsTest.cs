using Delight.Losses;
using Delight.Runtime;
using Delight.Test.Environments;

namespace Delight.Test.RuntimeTests;

/// <summary>
/// --direction-every on MNIST: the oracle and true-gradient directions against finite differences of the quantities
/// they differentiate, the cosine of an update that is the oracle's own direction, and a trajectory left untouched.
/// </summary>
public class BatchDirectionsTest
{
    const int Rows = 20;

    [MnistFact]
    public void BatchDirections_MatchFiniteDifferences_OfSumLogProbAndSumProb()
    {
        var session = new TrainingSession(new TrainOptions { Seed = 5, Task = new() { Name = "mnist" }, Evaluation = new() { Rows = 100 } });
        var rollout = new Rollout(session.BatchRows, 1, 1);
        session.Components.CreateActor(session.Policy, "actor").Fill(rollout, Rows, 1, 0);
        var directions = BatchDirections.For(session.Environment, session.Policy)!;
        directions.Before(rollout);

        // Targets: each row's prompt with its label as the answer.
        var task = session.Environment.Targets!;
        var tokens = new int[Rows * 2];
        for (var r = 0; r < Rows; r++)
        {
            tokens[2 * r] = rollout.Prompt(r)[0];
            task.WriteTarget(tokens.AsSpan(2 * r, 1), tokens.AsSpan(2 * r + 1, 1));
        }
        double Sum(bool probabilities)
        {
            var logProbs = session.Policy.Forward(tokens, Rows, 2, 1);
            var sum = 0.0;
            for (var r = 0; r < Rows; r++) sum += probabilities ? Math.Exp(logProbs[r]) : logProbs[r];
            return sum;
        }
        // The output layer only: a step on an earlier weight moves ReLU pre-activations across their kink for some of
        // these real images, which finite differences cannot follow (the policy's own gradient check covers those layers).
        foreach (var p in session.Policy.Parameters.Parameters.TakeLast(2))
        {
            float[] Slice(ReadOnlySpan<double> direction) => [.. direction.Slice(p.ValueTensor.Offset, p.Length).ToArray().Select(v => (float)v)];
            GradientCheck.Check("oracle Σ∇log π(y*) " + p.Name, p.Value, Slice(directions.Oracle), () => Sum(false), step: 1e-2, rtol: 2e-2, atol: 3e-4, maxChecks: 60);
            GradientCheck.Check("true gradient Σπ(y*)∇log π(y*) " + p.Name, p.Value, Slice(directions.TrueGradient), () => Sum(true), step: 1e-2, rtol: 2e-2, atol: 3e-4, maxChecks: 60);
        }
        Assert.Contains(directions.TrueGradient.ToArray(), v => Math.Abs(v) > 1e-4);
    }

    [MnistFact]
    public void CrossEntropyUpdates_PointExactlyAlongTheOracle()
    {
        var runtime = new SynchronousRuntime(new TrainOptions { Steps = 4, Seed = 1, Task = new() { Name = "mnist" }, Loss = new() { Method = Method.Ce }, Evaluation = new() { Rows = 100, DirectionEvery = 2 } });
        var reports = new List<StepReport>();
        runtime.Run(reports.Add);
        // The CE learner's loss gradient is −(1/N)Σ∇log π(y*): the oracle direction up to a positive scale.
        Assert.All(reports.Where(r => r.Step % 2 == 0), r => Assert.InRange(r.OracleCosine, 0.9999, 1.0));
        Assert.All(reports.Where(r => r.Step % 2 == 0), r => Assert.InRange(r.TrueGradientCosine, 0.0, 1.0));
        Assert.All(reports.Where(r => r.Step % 2 == 1), r => Assert.True(double.IsNaN(r.OracleCosine) && double.IsNaN(r.TrueGradientCosine)));
    }

    [MnistFact]
    public void MeasuringDirections_LeavesTheTrajectoryUnchanged()
    {
        float[] Train(int every)
        {
            var runtime = new SynchronousRuntime(new TrainOptions { Steps = 12, Seed = 2, Task = new() { Name = "mnist" }, Loss = new() { Method = Method.Dg }, Evaluation = new() { Rows = 100, DirectionEvery = every }, Frictions = new() { Staleness = new() { Versions = 3 } } });
            runtime.Run();
            return runtime.Session.Policy.Parameters.Values.ToArray();
        }
        Assert.Equal(Train(0), Train(1));
    }

    [Fact]
    public void NegativeDirectionEvery_IsRefusedByName()
    {
        var error = Assert.Throws<OptionException>(() => new TrainOptions { Evaluation = new() { DirectionEvery = -1 } }.Validate());
        Assert.Contains("--direction-every", error.Message);
    }
}
