using Delight.Losses;
using System.Collections.Concurrent;
using Delight.Runtime;

namespace Delight.Test.RuntimeTests;

/// <summary>Actor threads: versions are stamped truthfully, admission control bounds lag, K = 0 is the sync runtime.</summary>
public class AsyncRuntimeTest
{
    static TrainOptions Small(int actors, int maxLag, int steps = 30) => new()
    {
        Seed = 5,
        Steps = steps,
        Loss = new() { Method = Method.Dg },
        Task = new() { PromptLength = 4 },
        Batch = new() { Prompts = 4, Samples = 4 },
        Evaluation = new() { Rows = 40 },
        Runtime = new() { Kind = RuntimeKind.Async, Actors = actors, MaxLag = maxLag },
    };

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 1)]
    public void AsyncRuntimeTest_EveryBatchCarriesTheVersionItWasSampledWith_AndLagStaysWithinK(int actors, int maxLag)
    {
        // The learner's parameters after each update, by version; actors report what they sampled with.
        var byVersion = new ConcurrentDictionary<long, float[]>();
        var sampled = new ConcurrentBag<(long Version, float[] Parameters)>();
        var runtime = new AsyncRuntime(Small(actors, maxLag))
        {
            Sampled = (rollout, parameters) => sampled.Add((rollout.PolicyVersion, parameters.Values.ToArray())),
        };
        byVersion[0] = runtime.Session.Policy.Parameters.Values.ToArray();
        var lags = new List<long>();
        runtime.Run(step =>
        {
            byVersion[step.PolicyVersion] = runtime.Session.Policy.Parameters.Values.ToArray();
            lags.Add(step.Actor.Lag);
        });
        Assert.Equal(30, lags.Count);
        Assert.All(lags, lag => Assert.InRange(lag, 0, maxLag));
        Assert.NotEmpty(sampled);
        foreach (var (version, parameters) in sampled)
            if (byVersion.TryGetValue(version, out var expected)) Assert.Equal(expected, parameters); // batches past the last step are never applied
    }

    [Fact]
    public void AsyncRuntimeTest_OneActorWithZeroLag_IsTheSynchronousRuntime()
    {
        static List<string> Lines(ITrainingRuntime runtime)
        {
            var lines = new List<string>();
            var summary = runtime.Run(s => lines.Add($"{s.Step} {s.Learner.Loss:R} {s.Learner.GradientNorm:R} {s.Actor.Lag}"));
            lines.Add($"{summary.Final.Error:R}");
            return lines;
        }
        var async = Lines(new AsyncRuntime(Small(1, 0, steps: 12)));
        var sync = Lines(new SynchronousRuntime(Small(1, 0, steps: 12) with { Runtime = new() { Kind = RuntimeKind.Sync } }));
        Assert.Equal(sync, async);
    }

    [Fact]
    public void AsyncRuntimeTest_StalenessFrictionWithRealActors_IsRefused()
    {
        var error = Assert.Throws<OptionException>(() => (Small(1, 2) with { Frictions = new() { Staleness = new() { Versions = 3 } } }).Validate());
        Assert.Equal("--staleness", error.Option);
    }
}
