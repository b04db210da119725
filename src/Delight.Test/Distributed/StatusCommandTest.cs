using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Delight.Cli;
using Delight.Distributed;
using Delight.RabbitMq;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Delight.Test.Distributed;

/// <summary>`delight status` and the learner's <see cref="StatusBoard"/> against a real broker.</summary>
[Collection(RabbitCollection.Name)]
public sealed class StatusCommandTest(RabbitBrokerFixture fixture, ITestOutputHelper log)
{
    readonly RunName _run = new($"s-{Guid.NewGuid():N}"[..18]);

    BrokerOptions Options => new(fixture.Broker.Uri) { InitialBackoff = TimeSpan.FromMilliseconds(50) };

    (int Code, string Output, string Error) Status(params string[] more)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(["status", "--broker", fixture.Broker.Uri, "--run", _run.Value, .. more], output, error);
        log.WriteLine(output.ToString() + error);
        return (code, output.ToString(), error.ToString());
    }

    LearnerStatus SampleStatus(long step) => LearnerStatus.Now(_run, epoch: 3, version: step, step: step, steps: 1000) with
    {
        RowsSampled = 1600,
        RowsApplied = 1500,
        RowsRefused = new Dictionary<string, long> { ["too-stale"] = 64, ["wrong-shape"] = 16, ["duplicate"] = 0 },
        DeadLetters = new Dictionary<string, long> { ["too-stale"] = 4, ["wrong-shape"] = 1 },
        RowsPerSecond = 812.5,
    };

    async Task PublishRolloutsAndDeadLettersAsync(int rollouts, int deadLetters)
    {
        var topology = new BrokerTopology(_run);
        await using var connection = await new ConnectionFactory { Uri = new Uri(fixture.Broker.Uri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await topology.DeclareSharedAsync(channel, CancellationToken.None);
        for (var i = 0; i < rollouts; i++) await channel.BasicPublishAsync("", topology.RolloutQueue, Encoding.UTF8.GetBytes($"rollout {i}"));
        for (var i = 0; i < deadLetters; i++) await channel.BasicPublishAsync(topology.DeadLetterExchange, "", Encoding.UTF8.GetBytes($"dead {i}"));
        await WaitForDepthAsync(channel, topology.RolloutQueue, rollouts);
        await WaitForDepthAsync(channel, topology.DeadLetterQueue, deadLetters);
    }

    static async Task WaitForDepthAsync(IChannel channel, string queue, int depth)
    {
        var waited = Stopwatch.StartNew();
        while ((await channel.QueueDeclarePassiveAsync(queue)).MessageCount != depth)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{queue} never reached {depth} messages");
            await Task.Delay(50);
        }
    }

    [RabbitFact]
    public void StatusCommandTest_UnknownRun_ReportsEveryQueueAbsentAndNoLearnerStatus()
    {
        var (code, output, error) = Status();

        Assert.True(code == 0, error);
        Assert.Contains($"run '{_run}' on amqp://guest:***@127.0.0.1:{fixture.Broker.Port}/", output);
        foreach (var suffix in new[] { "rollouts", "dead", "hello", "credits" })
            Assert.Matches($@"delight\.{_run}\.{suffix}\s+absent", output);
        Assert.Contains($"connected actors: unknown (no delight.{_run}.credits queue)", output);
        Assert.Contains("no learner status yet", output);
    }

    [RabbitFact]
    public async Task StatusCommandTest_QueuesAndNewestLearnerStatus_AreShownAndNothingIsConsumed()
    {
        await PublishRolloutsAndDeadLettersAsync(rollouts: 3, deadLetters: 2);
        await using (var broker = new BrokerConnection(Options))
        await using (var board = new StatusBoard(broker, _run))
        {
            Assert.True(await board.PublishAsync(SampleStatus(step: 41), CancellationToken.None));
            Assert.True(await board.PublishAsync(SampleStatus(step: 42), CancellationToken.None)); // replaces the first
        }

        var (code, output, error) = Status();
        var again = Status();

        Assert.True(code == 0, error);
        Assert.Matches($@"delight\.{_run}\.rollouts\s+3\s+0", output);
        Assert.Matches($@"delight\.{_run}\.dead\s+2\s+0", output);
        Assert.Matches($@"delight\.{_run}\.hello\s+0\s+0", output);
        Assert.Contains($"learner: {Environment.MachineName} pid {Environment.ProcessId}, epoch 3, version 42, step 42/1000, updated ", output);
        Assert.Contains("rows: 812.5/s applied lately; 1600 sampled, 1500 applied, 80 refused (too-stale 64, wrong-shape 16)", output);
        Assert.Contains("dead letters: 5 (too-stale 4, wrong-shape 1)", output);
        // Reading consumed nothing: a second look sees the same queues and the same status.
        Assert.Equal(0, again.Code);
        Assert.Matches($@"delight\.{_run}\.rollouts\s+3\s+0", again.Output);
        Assert.Matches($@"delight\.{_run}\.dead\s+2\s+0", again.Output);
        Assert.Contains("epoch 3, version 42, step 42/1000", again.Output);
    }

    [RabbitFact]
    public async Task StatusCommandTest_OldLearnerStatus_AsksWhetherTheLearnerStillRuns()
    {
        await using (var broker = new BrokerConnection(Options))
        await using (var board = new StatusBoard(broker, _run))
            Assert.True(await board.PublishAsync(SampleStatus(step: 9) with { TimeUtc = DateTime.UtcNow.AddMinutes(-5) }, CancellationToken.None));

        var (code, output, error) = Status();

        Assert.True(code == 0, error);
        Assert.Matches(@"updated 30\d\.?\d? s ago \(silent since: is the learner still running\?\)", output);
    }

    [RabbitFact]
    public async Task StatusCommandTest_Json_ParsesWithTheSameNumbers()
    {
        await PublishRolloutsAndDeadLettersAsync(rollouts: 2, deadLetters: 0);
        await using (var broker = new BrokerConnection(Options))
        await using (var board = new StatusBoard(broker, _run))
            Assert.True(await board.PublishAsync(SampleStatus(step: 7), CancellationToken.None));

        var (code, output, error) = Status("--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(_run.Value, root.GetProperty("run").GetString());
        Assert.Equal(2, root.GetProperty("rollouts").GetProperty("messages").GetInt32());
        Assert.True(root.GetProperty("rollouts").GetProperty("exists").GetBoolean());
        // Every role declares the run's shared queues, the credits queue among them; no actor consumes it here.
        Assert.True(root.GetProperty("credits").GetProperty("exists").GetBoolean());
        Assert.Equal(0, root.GetProperty("connectedActors").GetInt32());
        Assert.Equal(7, root.GetProperty("learner").GetProperty("version").GetInt64());
        Assert.Equal(3UL, root.GetProperty("learner").GetProperty("epoch").GetUInt64());
        Assert.Equal(64, root.GetProperty("learner").GetProperty("rowsRefused").GetProperty("too-stale").GetInt64());
        Assert.DoesNotContain("guest:guest", output);
    }

    [RabbitFact]
    public async Task StatusCommandTest_CreditQueueConsumers_AreTheConnectedActors()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(fixture.Broker.Uri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var credits = RunStatus.CreditQueueName(_run);
        await channel.QueueDeclareAsync(credits, durable: true, exclusive: false, autoDelete: false);
        for (var i = 0; i < 2; i++)
            await channel.BasicConsumeAsync(credits, autoAck: false, new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel));

        var (code, output, error) = Status();

        Assert.True(code == 0, error);
        Assert.Contains("connected actors: 2", output);
        Assert.Matches($@"delight\.{_run}\.credits\s+0\s+2", output);
    }

    [RabbitFact]
    public async Task StatusBoardTest_Peek_IsNonDestructiveAndSeesTheNewest()
    {
        await using var broker = new BrokerConnection(Options);
        await using var board = new StatusBoard(broker, _run);
        Assert.Null(await board.PeekAsync(CancellationToken.None));

        for (var step = 1; step <= 5; step++) Assert.True(await board.PublishAsync(SampleStatus(step), CancellationToken.None));
        var first = await board.PeekAsync(CancellationToken.None);
        var second = await board.PeekAsync(CancellationToken.None);
        Assert.True(await board.PublishAsync(SampleStatus(6), CancellationToken.None));
        var third = await board.PeekAsync(CancellationToken.None);

        Assert.Equal(5, first!.Step);
        Assert.Equal(first, second! with { RowsRefused = first.RowsRefused, DeadLetters = first.DeadLetters });
        Assert.Equal(6, third!.Step);
        var probe = await QueueProbe.PassiveAsync(broker, board.Queue, CancellationToken.None);
        Assert.Equal(1u, probe.Messages);
    }

    [RabbitFact]
    public async Task StatusCommandTest_BrokerFromFileAndFromEnvironment_WorkAndBothAtOnceAreRefused()
    {
        var folder = Directory.CreateTempSubdirectory("delight-status-").FullName;
        try
        {
            var file = Path.Combine(folder, "broker");
            File.WriteAllText(file, fixture.Broker.Uri + "\n# the rest of the file is ignored\n");

            var (code, output, error) = Status_WithoutBrokerFlag("--broker-file", file);
            Assert.True(code == 0, error);
            Assert.Contains("no learner status yet", output);

            var fromEnvironment = await RunWithEnvironmentAsync(fixture.Broker.Uri, "status", "--run", _run.Value);
            Assert.True(fromEnvironment.Code == 0, fromEnvironment.Output);
            Assert.Contains($"run '{_run}' on amqp://guest:***@127.0.0.1:{fixture.Broker.Port}/", fromEnvironment.Output);

            var both = await RunWithEnvironmentAsync(fixture.Broker.Uri, "status", "--run", _run.Value, "--broker-file", file);
            Assert.Equal(2, both.Code);
            Assert.Contains("delight: error: the broker URI is given by --broker-file and DELIGHT_BROKER; give exactly one of --broker, --broker-file and DELIGHT_BROKER.", both.Output);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    (int Code, string Output, string Error) Status_WithoutBrokerFlag(params string[] more)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(["status", "--run", _run.Value, .. more], output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The environment is process-wide, so DELIGHT_BROKER is tried in a child process, not in this one.</summary>
    static async Task<(int Code, string Output)> RunWithEnvironmentAsync(string broker, params string[] args)
    {
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Delight.Cli.exe" : "Delight.Cli");
        var start = new ProcessStartInfo(apphost, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DELIGHT_BROKER"] = broker;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
