using Delight.Distributed;
using Delight.Runtime;

namespace Delight.Test.Distributed;

/// <summary>
/// The learner and actors depend only on the transport interfaces: with an in-process engine instead of RabbitMQ, a run
/// of two actors completes its steps, and every rollout an actor sent is applied or refused with a reason, once.
/// </summary>
public sealed class InMemoryTransportTest
{
    [Fact]
    public async Task InMemoryTransport_TwoActors_TheRunCompletes_AndEveryRolloutSentIsDecidedOnce()
    {
        var transport = new InMemoryTransport();
        var run = new RunName("in-memory");
        var options = new TrainOptions
        {
            Steps = 30,
            Batch = new() { Prompts = 4, Samples = 4 },
            Evaluation = new() { Rows = 200 },
            Output = new() { CheckpointEvery = 50 },
            Task = new() { PromptLength = 4 },
        };
        var folder = Directory.CreateTempSubdirectory("delight-in-memory-").FullName;
        using var learner = new RemoteLearnerRuntime(options, transport, run, new DistributedLearnerOptions { RunFolder = folder });
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var actors = Enumerable.Range(1, 2).Select(seed => Task.Run(() =>
            new RemoteActor(transport, run, TimeSpan.FromSeconds(60), TextWriter.Null).RunAsync(o => o, (ulong)seed, stop.Token))).ToArray();

        var summary = await Task.Run(() => learner.Run(cancel: stop.Token));
        learner.CheckpointWritten(); // as the run loop does after its final checkpoint: commits every decision
        var results = await Task.WhenAll(actors);

        Assert.Equal(30, learner.Session.StepsDone);
        var rollouts = summary.Rollouts!.Value;
        Assert.Equal(30, rollouts.Applied);
        Assert.Equal(rollouts.Received, rollouts.Applied + rollouts.Rejected);
        Assert.All(results, r => Assert.StartsWith("reached step 30", r.FinishReason));
        Assert.Equal(results.Sum(r => r.Sent), transport.Committed.Count);
        Assert.Equal(transport.Committed.Count, transport.Committed.Select(d => d.Origin).Distinct().Count());
        Assert.Equal(30, transport.Committed.Count(d => d.Applied));
        Assert.All(transport.Committed.Where(d => !d.Applied), d => Assert.Equal(RejectReason.RunFinished, d.Reason));
        Assert.Equal(30, transport.LastStatus!.Step);
        // rollouts.csv names the rollouts the transport was told were applied, each with its rows: the learner read
        // them before its verdict handed the buffer back (this transport scribbles over it at once).
        learner.Dispose();
        var applied = RunAudit.ReadApplied(folder);
        Assert.Equal(Enumerable.Range(1, 30), applied.Select(a => a.Step));
        Assert.Equal(transport.Committed.Where(d => d.Applied).Select(d => (d.Origin.ActorId, d.Origin.Sequence)), applied.Select(a => (a.Actor, a.Sequence)));
        Assert.All(applied, a => Assert.Equal(16, a.Rows));
        Assert.Equal(30 * 16, rollouts.Rows!.Applied);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task InMemoryTransport_TheRunEndsWhileAnActorWaitsForItsCreditsParameters_TheActorEndsCleanly()
    {
        var transport = new InMemoryTransport();
        var run = new RunName("in-memory-end");
        var options = new TrainOptions { Steps = 10, Batch = new() { Prompts = 4, Samples = 4 }, Evaluation = new() { Rows = 100 }, Task = new() { PromptLength = 4 } };
        var session = new TrainingSession(options);
        await using var learner = await transport.ConnectLearnerAsync(run, new LearnerTransportOptions(RemoteLearnerRuntime.ConfigJson(options), session.RolloutCheck) { MaxUncommitted = 64 }, CancellationToken.None);
        var parameters = session.Policy.Parameters;
        await learner.PublishParametersAsync(new PolicyStamp(7, 0), ParameterLayout.Of(parameters), parameters.Values.ToArray(), CancellationToken.None);
        // A credit that asks for version 5, which this learner never publishes: the actor takes it and waits.
        await learner.ResetCreditsAsync(7, count: 1, minVersion: 5, CancellationToken.None);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var actor = Task.Run(() => new RemoteActor(transport, run, TimeSpan.FromSeconds(60), TextWriter.Null).RunAsync(o => o, 1, stop.Token));
        await Task.Delay(500);

        await learner.PublishFinishedAsync("done", CancellationToken.None);
        var result = await actor.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("done", result.FinishReason);
        Assert.Equal(0, result.Sent);
    }
}
