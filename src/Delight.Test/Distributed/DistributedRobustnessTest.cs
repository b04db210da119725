using System.Text.Json;
using Delight.Distributed;
using Delight.RabbitMq;
using RabbitMQ.Client;

namespace Delight.Test.Distributed;

/// <summary>
/// The guarantees of docs/distributed/running.md, each with real processes against a real broker: flow control wastes
/// almost nothing however many actors run, a chaos run (an actor killed and restarted, the broker restarted, the
/// learner killed and resumed) closes its books exactly, a second learner is refused, and poison never kills.
/// </summary>
[Collection(RabbitCollection.Name)]
public sealed class DistributedRobustnessTest(RabbitBrokerFixture fixture) : IDisposable
{
    static readonly TimeSpan s_patience = DistributedRun.Patience;
    readonly DistributedRun _run = new(fixture, "r");

    string Uri => _run.Uri;
    string OutDir => _run.OutDir;
    IEnumerable<string> Records => _run.Records;
    DelightProcess Learner(int steps, params string[] more) => _run.Learner(steps, more);
    DelightProcess Actor(int seed, params string[] more) => _run.Actor(seed, more);
    Task WaitForStepAsync(DelightProcess learner, int step) => _run.WaitForStepAsync(learner, step);

    [RabbitTheory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task FlowControl_SeveralActors_AlmostEverySampledRowIsApplied_AndLagStaysBounded(int actors)
    {
        const int steps = 150;
        using var learner = Learner(steps);
        var fleet = Enumerable.Range(1, actors).Select(i => Actor(i)).ToList();
        try
        {
            Assert.True(await learner.ExitCodeAsync(s_patience) == 0, learner.Output);
            foreach (var actor in fleet) Assert.True(await actor.ExitCodeAsync(s_patience) == 0, actor.Output);
        }
        finally { foreach (var actor in fleet) actor.Dispose(); }

        using var summary = _run.Summary();
        var root = summary.RootElement;
        var rows = root.GetProperty("rows");
        var sent = RunAudit.ReadSent(Records);
        var sampledRows = sent.Sum(s => s.Rows);
        var appliedRows = rows.GetProperty("applied").GetInt64();
        Assert.Equal(steps * 16, appliedRows);
        Assert.True(appliedRows >= 0.95 * sampledRows, $"{actors} actors sampled {sampledRows} rows, {appliedRows} applied: {rows}");
        Assert.True(root.GetProperty("lag").GetProperty("max").GetInt64() <= 4, root.GetProperty("lag").ToString());
        Assert.Equal(rows.GetProperty("received").GetInt64(), rows.GetProperty("applied").GetInt64() + rows.GetProperty("rejected").GetInt64());
        RunAudit.AssertEveryRolloutDecidedOnce(sent, RunAudit.ReadApplied(OutDir), await RunAudit.DrainDeadLettersAsync(Uri, _run.Name), steps);

        // The operator's view agrees with the summary: the learner's last status is the end of the run.
        using var status = _run.Status();
        Assert.Equal(0, await status.ExitCodeAsync(s_patience));
        using var view = JsonDocument.Parse(status.Output);
        var learnerView = view.RootElement.GetProperty("learner");
        Assert.Equal(steps, learnerView.GetProperty("step").GetInt64());
        Assert.Equal(appliedRows, learnerView.GetProperty("rowsApplied").GetInt64());
    }

    [RabbitFact]
    public async Task Chaos_ActorKilled_BrokerRestarted_LearnerKilledAndResumed_EveryRolloutAppliedOnceOrDeadLettered()
    {
        // The learner is killed once metrics.csv shows step 300; the file is buffered (flushed at checkpoints), so the
        // learner is further on by then. 500 steps left too little room once learner steps got faster: a run under
        // load finished before the kill. 1000 leave 700.
        const int steps = 1000;
        var learner = Learner(steps);
        using var steady = Actor(1);
        using var other = Actor(2);
        var doomed = Actor(3);
        DelightProcess? reborn = null;
        try
        {
            await WaitForStepAsync(learner, 100);
            doomed.Kill();
            doomed.Dispose();
            reborn = Actor(4);
            await WaitForStepAsync(learner, 180);
            await fixture.Broker.StopAsync();
            await fixture.Broker.StartAsync();
            await WaitForStepAsync(learner, 300);
            learner.Kill();
        }
        finally { learner.Dispose(); }
        Assert.False(File.Exists(Path.Combine(OutDir, "summary.json")), "the learner was killed before the end");

        using var resumed = Learner(steps, "--resume");
        try
        {
            Assert.True(await resumed.ExitCodeAsync(s_patience) == 0, resumed.Output);
            Assert.True(await steady.ExitCodeAsync(s_patience) == 0, steady.Output);
            Assert.True(await other.ExitCodeAsync(s_patience) == 0, other.Output);
            Assert.True(await reborn.ExitCodeAsync(s_patience) == 0, reborn.Output);
        }
        finally { reborn.Dispose(); }

        using var summary = _run.Summary();
        var rollouts = summary.RootElement.GetProperty("rollouts");
        long received = rollouts.GetProperty("received").GetInt64(), applied = rollouts.GetProperty("applied").GetInt64(), rejected = rollouts.GetProperty("rejected").GetInt64();
        Assert.Equal(steps, applied); // exactly once: the steps redone after the kill re-applied the rollouts the checkpoint did not hold
        Assert.Equal(received, applied + rejected);
        // The continued metrics read as one run: every step once, in order (lines past the checkpoint were cut).
        var logged = File.ReadLines(Path.Combine(OutDir, "metrics.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(Enumerable.Range(1, steps), logged);
        var appliedLog = RunAudit.ReadApplied(OutDir);
        RunAudit.AssertEveryRolloutDecidedOnce(RunAudit.ReadSent(Records), appliedLog, await RunAudit.DrainDeadLettersAsync(Uri, _run.Name), steps);
        // No version reused: two incarnations, the second starting at the checkpoint the first left; every applied
        // rollout was sampled with parameters of the run's history at the time (never with a version the dead learner
        // published after that checkpoint), before the step that applied it.
        var lineage = LearnerLineage.Restore(Runtime.TrainingState.Load(Path.Combine(OutDir, "state.safetensors")).GetString("distributed.epochs"));
        Assert.Equal(2, lineage.Count);
        foreach (var a in appliedLog)
        {
            Assert.True(a.Version < a.Step && a.Lag == a.Step - 1 - a.Version && a.Lag <= 4, a.ToString());
            Assert.True(lineage.Contains(new PolicyStamp(a.Epoch, a.Version), currentVersion: a.Step - 1), $"{a} was sampled with parameters outside the run's history (lineage {lineage.Save()})");
        }
    }

    [RabbitFact]
    public async Task SecondLearner_OnTheSameRun_IsRefusedWithAClearMessage()
    {
        using var first = Learner(100_000);
        using var actor = Actor(1);
        await WaitForStepAsync(first, 5);
        using var second = new DelightProcess(["learner", "--broker", Uri, "--run", _run.Name, "--out", Path.Combine(_run.Folder, "second"), "--lock-wait", "2", .. _run.SmallTask]);
        Assert.Equal(2, await second.ExitCodeAsync(s_patience));
        Assert.Contains($"another learner is consuming run '{_run.Name}'", second.Output);
        Assert.False(File.Exists(Path.Combine(_run.Folder, "second", "config.json")), "a refused learner writes nothing");
    }

    [RabbitFact]
    public async Task CtrlC_MidRun_CheckpointsAndExits130_AndResumeFinishesWithEveryRolloutOnce()
    {
        const int steps = 200;
        var learner = Learner(steps);
        using var actor = Actor(1);
        try
        {
            await WaitForStepAsync(learner, 60);
            await learner.InterruptAsync();
            Assert.Equal(130, await learner.ExitCodeAsync(s_patience));
        }
        finally { learner.Dispose(); }
        var stopped = Runtime.TrainingState.Load(Path.Combine(OutDir, "state.safetensors")).GetLong("run.steps");
        Assert.True(stopped >= 60, $"the checkpoint written at Ctrl-C holds step {stopped}");

        using var resumed = Learner(steps, "--resume");
        Assert.True(await resumed.ExitCodeAsync(s_patience) == 0, resumed.Output);
        Assert.True(await actor.ExitCodeAsync(s_patience) == 0, actor.Output);
        await _run.AssertEveryRolloutDecidedOnceAsync(steps);
    }

    [RabbitFact]
    public async Task BadCredentials_FailBeforeTheFolderIsWritten_AndAFolderLeftByAFailedStartIsReused()
    {
        var refused = new DelightProcess(["learner", "--broker", Uri.Replace("guest:guest", "guest:wrong"), "--run", _run.Name, "--out", OutDir, "--steps", "20", .. _run.SmallTask]);
        using (refused)
        {
            Assert.Equal(2, await refused.ExitCodeAsync(s_patience));
            Assert.False(Directory.Exists(OutDir), "a learner that cannot reach the broker writes nothing");
        }
        // A learner that died before its first checkpoint leaves config.json and nothing to resume: both a rerun and --resume start again there.
        Directory.CreateDirectory(OutDir);
        File.WriteAllText(Path.Combine(OutDir, "config.json"), "{}");
        using var learner = Learner(20);
        using var actor = Actor(1);
        Assert.True(await learner.ExitCodeAsync(s_patience) == 0, learner.Output);
        Assert.True(File.Exists(Path.Combine(OutDir, "summary.json")));
    }

    [RabbitFact]
    public async Task Divergence_NonFiniteParametersAreNeverPublished_TheLearnerStopsNamingTheStep()
    {
        var options = new Runtime.TrainOptions { Steps = 20, Task = new() { PromptLength = 4 }, Batch = new() { Prompts = 4, Samples = 4 }, Evaluation = new() { Rows = 100 }, Output = new() { CheckpointEvery = 10 } };
        var run = new RunName(_run.Name);
        using var runtime = new RemoteLearnerRuntime(options, new RabbitMqConnector(new BrokerOptions(Uri)), run);
        runtime.Connect();
        using var stop = new CancellationTokenSource();
        var actor = Task.Run(() => new RemoteActor(new RabbitMqConnector(new BrokerOptions(Uri)), run, TimeSpan.FromSeconds(60), TextWriter.Null).RunAsync(o => o, 1, stop.Token));
        runtime.Session.Policy.Parameters.Values[0] = float.NaN; // the learner's own state goes bad, not the rollout

        var diverged = Assert.Throws<Runtime.DivergedException>(() => runtime.Run());

        Assert.Equal(1, diverged.Step);
        Assert.StartsWith("diverged at step 1", diverged.Message);
        Assert.Equal(0, runtime.Session.Learner.PolicyVersion - 1); // one step applied, its parameters never published
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => actor);
    }

    [RabbitFact]
    public async Task Poison_ARolloutWithoutBehaviourLogProbs_SentToAPpoLearner_IsDeadLetteredAndTheRunCompletes()
    {
        using var learner = Learner(60, "--method", "ppo");
        await _run.WaitForConsumerAsync();
        var shape = new RolloutShape(4, 4, 2, 2, 16);
        var rollout = shape.NewRollout();
        rollout.RowCount = 16;
        rollout.SamplesPerPrompt = 4;
        rollout.HasBehaviourLogProbs = false;
        var buffer = new MessageBuffer();
        RolloutMessage.Encode(rollout, new RunName(_run.Name), new RolloutOrigin(0xBAD, 0), buffer);
        await RunAudit.PublishToRolloutQueueAsync(Uri, _run.Name, buffer.Written.ToArray());
        using var actor = Actor(1);

        Assert.True(await learner.ExitCodeAsync(s_patience) == 0, learner.Output);
        Assert.True(await actor.ExitCodeAsync(s_patience) == 0, actor.Output);
        var dead = await RunAudit.DrainDeadLettersAsync(Uri, _run.Name);
        Assert.Contains(dead, d => d.Reason == "needs-behaviour-log-probs" && d.Actor == 0xBAD);
        using var summary = _run.Summary();
        Assert.Equal(1, summary.RootElement.GetProperty("rollouts").GetProperty("rejected_by_reason").GetProperty("needs-behaviour-log-probs").GetInt64());
    }

    public void Dispose() => _run.Dispose();
}
