using Delight.Distributed;

namespace Delight.Test.Distributed;

/// <summary>
/// `delight learner` and `delight actor` as child processes against a real broker: training works, with an actor
/// killed and a corrupt message on the way, and every rollout is accounted for. (The faults the runtime survives —
/// broker restart, learner killed and resumed — are in <see cref="DistributedRobustnessTest"/>'s chaos test.)
/// </summary>
[Collection(RabbitCollection.Name)]
public sealed class DistributedTrainingTest(RabbitBrokerFixture fixture) : IDisposable
{
    readonly DistributedRun _run = new(fixture, "d", evalRows: 200);

    [RabbitFact]
    public async Task DistributedTrainingTest_TwoActors_OneKilled_OneCorruptMessage_ErrorImproves_AndEveryRolloutIsAccounted()
    {
        using var learner = _run.Learner(400, "--log-every", "1");
        using var steady = _run.Actor(1);
        using var doomed = _run.Actor(2, "--bug-prob", "0.5"); // its own frictions, not the run's

        await _run.WaitForStepAsync(learner, 100);
        doomed.Kill();
        await RunAudit.PublishToRolloutQueueAsync(_run.Uri, _run.Name, Enumerable.Repeat((byte)'x', 200).ToArray());

        Assert.True(await learner.ExitCodeAsync(DistributedRun.Patience) == 0, learner.Output);
        Assert.True(await steady.ExitCodeAsync(DistributedRun.Patience) == 0, steady.Output);
        Assert.Contains("the learner finished", steady.Output);
        using var summary = _run.Summary();
        var root = summary.RootElement;
        Assert.Equal(400, root.GetProperty("steps").GetInt32());
        Assert.Equal("broker", root.GetProperty("runtime").GetString());
        Assert.True(root.GetProperty("final").GetProperty("error").GetDouble() < root.GetProperty("initial").GetProperty("error").GetDouble() - 0.1,
            summary.RootElement.ToString());
        var rollouts = root.GetProperty("rollouts");
        long received = rollouts.GetProperty("received").GetInt64(), applied = rollouts.GetProperty("applied").GetInt64(), rejected = rollouts.GetProperty("rejected").GetInt64();
        Assert.Equal(400, applied);
        Assert.Equal(received, applied + rejected);
        Assert.True(root.GetProperty("lag").GetProperty("max").GetInt64() <= 4, "admission control: no rollout applied more than --max-lag 4 versions late");
        Assert.True(root.GetProperty("frictions").GetProperty("bug_fraction").GetDouble() > 0, "the buggy actor's rows were applied and recorded as bugs");
        var reasons = (await RunAudit.DrainDeadLettersAsync(_run.Uri, _run.Name)).Select(d => d.Reason).ToList();
        Assert.Contains("bad-magic", reasons);
        Assert.Equal(rejected, reasons.Count);
    }

    public void Dispose() => _run.Dispose();
}
