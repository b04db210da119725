using System.Text.Json;
using Delight.Distributed;
using Delight.RabbitMq;

namespace Delight.Test.Distributed;

/// <summary>
/// One distributed run for a test: its own folder and run name on the shared test broker, and <c>delight learner</c>,
/// <c>delight actor</c> (each recording what it sent) and <c>delight status</c> as child processes. Every real-process
/// test of the runtime drives its run through this, so they all start learners and actors the same way.
/// </summary>
sealed class DistributedRun(RabbitBrokerFixture fixture, string prefix, int evalRows = 100) : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    readonly string _folder = Directory.CreateTempSubdirectory($"delight-{prefix}-").FullName;
    readonly string[] _small = ["--prompt-length", "4", "--prompts", "4", "--samples", "4", "--eval-rows", evalRows.ToString(), "--quiet"];

    public string Name { get; } = $"{prefix}-{Guid.NewGuid():N}"[..14];
    public string Uri => fixture.Broker.Uri;
    public RabbitBroker Broker => fixture.Broker;
    public string Folder => _folder;
    public string OutDir => Path.Combine(_folder, "run");
    /// <summary>The small task every learner here trains (4-token prompts, 4 × 4 rows), for extra processes to share.</summary>
    public IReadOnlyList<string> SmallTask => _small;
    /// <summary>What each actor sent (<c>delight actor --record</c>).</summary>
    public IEnumerable<string> Records => Directory.EnumerateFiles(_folder, "actor-*.csv");

    public DelightProcess Learner(int steps, params string[] more) =>
        new(["learner", "--broker", Uri, "--run", Name, "--out", OutDir, "--steps", steps.ToString(), "--checkpoint-every", "50", .. _small, .. more]);

    public DelightProcess Actor(int seed, params string[] more) =>
        new(["actor", "--broker", Uri, "--run", Name, "--seed", seed.ToString(), "--patience", "90",
            "--record", Path.Combine(_folder, $"actor-{seed}.csv"), .. more]);

    public DelightProcess Status() => new(["status", "--broker", Uri, "--run", Name, "--json"]);

    public JsonDocument Summary() => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDir, "summary.json")));

    /// <summary>Waits until the learner has logged <paramref name="step"/> (metrics.csv is flushed at every checkpoint).</summary>
    public Task WaitForStepAsync(DelightProcess learner, int step) => RunAudit.WaitForStepAsync(learner, OutDir, step, Patience);

    /// <summary>Waits until a learner consumes the run's rollout queue (so a message published now reaches it).</summary>
    public async Task WaitForConsumerAsync()
    {
        await using var broker = new BrokerConnection(new BrokerOptions(Uri));
        using var timeout = new CancellationTokenSource(Patience);
        var queue = new BrokerTopology(new RunName(Name)).RolloutQueue;
        while (true)
        {
            await using var channel = await broker.OpenChannelAsync(false, timeout.Token);
            try
            {
                if ((await channel.QueueDeclarePassiveAsync(queue, timeout.Token)).ConsumerCount > 0) return;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException) { } // not declared yet
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Checks the run's books: every rollout an actor sent was applied once or dead-lettered, one per step.</summary>
    public async Task AssertEveryRolloutDecidedOnceAsync(int steps) =>
        RunAudit.AssertEveryRolloutDecidedOnce(RunAudit.ReadSent(Records), RunAudit.ReadApplied(OutDir), await RunAudit.DrainDeadLettersAsync(Uri, Name), steps);

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
    }
}
