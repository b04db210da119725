using System.Text.Json;
using Delight.Distributed;

namespace Delight.Test.Distributed;

/// <summary>
/// `delight learner` and `delight actor` as child processes against a real broker: training works, and the failures the
/// design promises to survive (an actor killed, a corrupt message, a broker restart, a learner killed and resumed) end
/// with a complete run and every rollout accounted for.
/// </summary>
[Collection(RabbitCollection.Name)]
public sealed class DistributedTrainingTest(RabbitBrokerFixture fixture) : IDisposable
{
    static readonly TimeSpan s_patience = TimeSpan.FromSeconds(90);
    static readonly string[] s_small = ["--prompt-length", "4", "--prompts", "4", "--samples", "4", "--eval-rows", "200", "--quiet"];
    readonly string _folder = Directory.CreateTempSubdirectory("delight-dist-").FullName;
    readonly string _run = $"d-{Guid.NewGuid():N}"[..14];

    string Uri => fixture.Broker.Uri;
    string OutDir => Path.Combine(_folder, "run");

    DelightProcess Learner(int steps, params string[] more) =>
        new(["learner", "--broker", Uri, "--run", _run, "--out", OutDir, "--steps", steps.ToString(), "--checkpoint-every", "50", .. s_small, .. more]);

    DelightProcess Actor(int seed, params string[] more) =>
        new(["actor", "--broker", Uri, "--run", _run, "--seed", seed.ToString(), "--patience", "60", .. more]);

    [RabbitFact]
    public async Task DistributedTrainingTest_TwoActors_OneKilled_OneCorruptMessage_ErrorImproves_AndEveryRolloutIsAccounted()
    {
        using var learner = Learner(400, "--log-every", "1");
        using var steady = Actor(1);
        using var doomed = Actor(2, "--bug-prob", "0.5"); // its own frictions, not the run's

        await WaitForCheckpointAsync(learner, step: 100);
        doomed.Kill();
        await RunAudit.PublishToRolloutQueueAsync(Uri, _run, Enumerable.Repeat((byte)'x', 200).ToArray());

        Assert.True(await learner.ExitCodeAsync(s_patience) == 0, learner.Output);
        Assert.True(await steady.ExitCodeAsync(s_patience) == 0, steady.Output);
        Assert.Contains("the learner finished", steady.Output);
        using var summary = Summary();
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
        var reasons = (await RunAudit.DrainDeadLettersAsync(Uri, _run)).Select(d => d.Reason).ToList();
        Assert.Contains("bad-magic", reasons);
        Assert.Equal(rejected, reasons.Count);
    }

    [RabbitFact]
    public async Task DistributedTrainingTest_BrokerRestart_ThenLearnerKilledAndResumed_RunCompletes()
    {
        const int steps = 600;
        var learner = Learner(steps);
        using var actor = Actor(3);
        try
        {
            await WaitForCheckpointAsync(learner, step: 100);
            await fixture.Broker.StopAsync();
            await fixture.Broker.StartAsync();
            await WaitForCheckpointAsync(learner, step: 300);
            learner.Kill();
        }
        finally { learner.Dispose(); }
        Assert.False(File.Exists(Path.Combine(OutDir, "summary.json")), "the learner was killed before the end");

        using var resumed = Learner(steps, "--resume");
        Assert.True(await resumed.ExitCodeAsync(s_patience) == 0, resumed.Output);
        Assert.True(await actor.ExitCodeAsync(s_patience) == 0, actor.Output);
        using var summary = Summary();
        Assert.Equal(steps, summary.RootElement.GetProperty("steps").GetInt32());
        var rollouts = summary.RootElement.GetProperty("rollouts");
        Assert.True(rollouts.GetProperty("applied").GetInt64() >= steps, "steps redone after the kill are applied again");
        // The continued metrics read as one run: every step once, in order (lines past the checkpoint were cut).
        var logged = File.ReadLines(Path.Combine(OutDir, "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(Enumerable.Range(1, steps), logged);
    }

    Task WaitForCheckpointAsync(DelightProcess learner, int step) => RunAudit.WaitForStepAsync(learner, OutDir, step, s_patience);

    JsonDocument Summary() => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDir, "summary.json")));

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }
}
