using System.Diagnostics;
using Delight.Cli;
using Delight.Distributed;
using Delight.RabbitMq;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Delight.Test.Distributed;

/// <summary>
/// Permanent broker refusals end at once, named, against a real broker: every role's retry loop stops at its next
/// attempt with one line naming the broker (no password), the reply code and text, and the fix. Each test takes
/// seconds; before, each of these retried for ever or until the unreachable timeout.
/// </summary>
[Collection(RabbitCollection.Name)]
public sealed class BrokerErrorsTest(RabbitBrokerFixture fixture, ITestOutputHelper log)
{
    /// <summary>Long enough that finishing well inside it proves the refusal was not retried until a timeout.</summary>
    static readonly TimeSpan s_longTimeout = TimeSpan.FromSeconds(120);
    const double AtOnceSeconds = 20;
    const string Secret = "pa55-w0rd-never-shown";

    int Port => fixture.Broker.Port;

    static BrokerOptions Patient(string uri) => new(uri) { StartupTimeout = s_longTimeout, UnreachableTimeout = s_longTimeout, InitialBackoff = TimeSpan.FromMilliseconds(50) };

    static BrokerTopology NewTopology() => new(new RunName($"e-{Guid.NewGuid():N}"[..18]));

    static void AssertOneLineWithout(string secret, string message)
    {
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain(secret, message);
    }

    async Task<BrokerException> FailsAtOnceAsync(Func<Task> action)
    {
        var waited = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BrokerException>(action);
        log.WriteLine($"{waited.Elapsed.TotalSeconds:0.00} s: {error.Message}");
        Assert.InRange(waited.Elapsed.TotalSeconds, 0, AtOnceSeconds);
        return error;
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_WrongPassword_FailsAtOnceNamingTheUserWithoutThePassword()
    {
        await using var broker = new BrokerConnection(Patient($"amqp://guest:{Secret}@127.0.0.1:{Port}/"));

        var error = await FailsAtOnceAsync(() => broker.OpenChannelAsync(false, CancellationToken.None));

        Assert.Contains($"the broker at amqp://guest:***@127.0.0.1:{Port}/ refused the login of user 'guest'", error.Message);
        Assert.Contains("check the user name and password", error.Message);
        Assert.Equal(403, error.ReplyCode);
        AssertOneLineWithout(Secret, error.Message);
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_UnknownVirtualHost_FailsAtOnceWithTheBrokersReplyAndTheFix()
    {
        await using var broker = new BrokerConnection(Patient($"amqp://guest:guest@127.0.0.1:{Port}/no-such-vhost"));

        var error = await FailsAtOnceAsync(() => broker.OpenChannelAsync(false, CancellationToken.None));

        Assert.Contains($"the broker at amqp://guest:***@127.0.0.1:{Port}/no-such-vhost refused: 530 NOT_ALLOWED", error.Message);
        Assert.Contains("no-such-vhost", error.Message);
        Assert.Contains("rabbitmqctl add_vhost 'no-such-vhost'", error.Message);
        Assert.Equal(530, error.ReplyCode);
        Assert.DoesNotContain('\n', error.Message);
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_UserWithoutPermissions_FailsAtOnceNamingUserVhostAndTheCommandToFixIt()
    {
        var user = $"u{Guid.NewGuid():N}"[..12];
        var vhost = $"v{Guid.NewGuid():N}"[..12];
        await fixture.Broker.ControlAsync("add_user", user, Secret);
        await fixture.Broker.ControlAsync("add_vhost", vhost);
        await using (var broker = new BrokerConnection(Patient($"amqp://{user}:{Secret}@127.0.0.1:{Port}/{vhost}")))
        {
            var error = await FailsAtOnceAsync(() => broker.OpenChannelAsync(false, CancellationToken.None));

            Assert.Contains("refused: 530 NOT_ALLOWED", error.Message);
            Assert.Contains($"user '{user}' has no access to vhost '{vhost}': rabbitmqctl set_permissions -p '{vhost}' '{user}' '.*' '.*' '.*'.", error.Message);
            AssertOneLineWithout(Secret, error.Message);
        }

        // Allowed into the vhost but not to configure the run's queues: refused on the first declare.
        await fixture.Broker.ControlAsync("set_permissions", "-p", vhost, user, "^$", ".*", ".*");
        await using (var broker = new BrokerConnection(Patient($"amqp://{user}:{Secret}@127.0.0.1:{Port}/{vhost}")))
        await using (var sender = new RolloutSender(broker, NewTopology(), actorId: 1))
        {
            var shape = new RolloutShape(promptLength: 2, answerLength: 3, vocabularySize: 4, promptVocabularySize: 10, maxRows: 8);
            var error = await FailsAtOnceAsync(() => sender.SendAsync(RolloutMessageTest.SampleRollout(shape, rows: 2, seed: 1), CancellationToken.None));

            Assert.Contains("refused: 403 ACCESS_REFUSED", error.Message);
            Assert.Contains($"user '{user}' lacks a permission in vhost '{vhost}': rabbitmqctl set_permissions -p '{vhost}' '{user}' '.*' '.*' '.*'.", error.Message);
            AssertOneLineWithout(Secret, error.Message);
        }
    }

    /// <summary>A queue left with other arguments (another version of delight, or made by hand): the declare is refused with 406.</summary>
    static async Task RedeclareRolloutQueueDifferentlyAsync(string uri, BrokerTopology topology)
    {
        var factory = new ConnectionFactory { Uri = new Uri(uri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(topology.RolloutQueue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-max-length"] = 7 });
    }

    static void AssertPreconditionFailed(BrokerTopology topology, BrokerException error)
    {
        Assert.Equal(406, error.ReplyCode);
        Assert.Contains("refused: 406 PRECONDITION_FAILED", error.Message);
        Assert.Contains(topology.RolloutQueue, error.Message);
        Assert.Contains($"rabbitmqctl delete_queue '{topology.RolloutQueue}'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_QueueWithOtherArguments_EveryRoleFailsAtOnceWithPreconditionFailed()
    {
        var topology = NewTopology();
        await RedeclareRolloutQueueDifferentlyAsync(fixture.Broker.Uri, topology);
        var shape = new RolloutShape(promptLength: 2, answerLength: 3, vocabularySize: 4, promptVocabularySize: 10, maxRows: 8);

        await using (var broker = new BrokerConnection(Patient(fixture.Broker.Uri)))
        await using (var sender = new RolloutSender(broker, topology, actorId: 1))
        {
            var rollout = RolloutMessageTest.SampleRollout(shape, rows: 2, seed: 1);
            AssertPreconditionFailed(topology, await FailsAtOnceAsync(() => sender.SendAsync(rollout, CancellationToken.None)));
        }
        await using (var broker = new BrokerConnection(Patient(fixture.Broker.Uri)))
            AssertPreconditionFailed(topology, await FailsAtOnceAsync(async () => { await using var _ = await RolloutReceiver.StartAsync(broker, topology, new RolloutCheck(shape)); }));
        await using (var broker = new BrokerConnection(Patient(fixture.Broker.Uri)))
            AssertPreconditionFailed(topology, await FailsAtOnceAsync(async () => { await using var _ = await ParameterSubscriber.StartAsync(broker, topology, actorId: 2); }));
        await using (var broker = new BrokerConnection(Patient(fixture.Broker.Uri)))
            AssertPreconditionFailed(topology, await FailsAtOnceAsync(async () => { await using var _ = await ParameterPublisher.StartAsync(broker, topology, "{}"); }));
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_QueueHeldExclusivelyByAnotherConnection_FailsAtOnceWithResourceLocked()
    {
        var topology = NewTopology();
        var factory = new ConnectionFactory { Uri = new Uri(fixture.Broker.Uri) };
        await using var holder = await factory.CreateConnectionAsync();
        await using var held = await holder.CreateChannelAsync();
        await held.QueueDeclareAsync(topology.HelloQueue, durable: false, exclusive: true, autoDelete: true);
        await using var broker = new BrokerConnection(Patient(fixture.Broker.Uri));

        var error = await FailsAtOnceAsync(async () => { await using var _ = await ParameterSubscriber.StartAsync(broker, topology, actorId: 3); });

        Assert.Equal(405, error.ReplyCode);
        Assert.Contains("refused: 405 RESOURCE_LOCKED", error.Message);
        Assert.Contains("is another learner of this run running?", error.Message);
        // Remembered: the connection refuses every later open at once instead of retrying.
        Assert.Same(error, await Assert.ThrowsAsync<BrokerException>(() => broker.OpenChannelAsync(false, CancellationToken.None)));
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_Cli_QueueWithOtherArguments_ActorExits2AtOnceNamingTheQueue()
    {
        var topology = NewTopology();
        await RedeclareRolloutQueueDifferentlyAsync(fixture.Broker.Uri, topology);
        using var actor = new DelightProcess("actor", "--broker", fixture.Broker.Uri, "--run", topology.Run.Value, "--patience", "120");

        var waited = Stopwatch.StartNew();
        Assert.Equal(2, await actor.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        log.WriteLine($"{waited.Elapsed.TotalSeconds:0.00} s: {actor.Output}");

        Assert.InRange(waited.Elapsed.TotalSeconds, 0, AtOnceSeconds + 10); // process start-up included
        Assert.Contains("delight: error: the broker at amqp://guest:***@", actor.Output);
        Assert.Contains($"406 PRECONDITION_FAILED", actor.Output);
        Assert.Contains(topology.RolloutQueue, actor.Output);
        Assert.DoesNotContain("   at ", actor.Output); // no stack trace
    }

    [RabbitFact]
    public async Task BrokerErrorsTest_Cli_WrongPassword_LearnerActorAndStatusExit2WithoutPrintingIt()
    {
        var uri = $"amqp://guest:{Secret}@127.0.0.1:{Port}/";
        var folder = Directory.CreateTempSubdirectory("delight-errors-").FullName;
        try
        {
            using var learner = new DelightProcess("learner", "--broker", uri, "--run", "wrong-pw", "--out", Path.Combine(folder, "run"), "--steps", "5");
            using var actor = new DelightProcess("actor", "--broker", uri, "--run", "wrong-pw");
            using var status = new DelightProcess("status", "--broker", uri, "--run", "wrong-pw");
            foreach (var process in new[] { learner, actor, status })
            {
                Assert.Equal(2, await process.ExitCodeAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains("refused the login of user 'guest'", process.Output);
                Assert.DoesNotContain(Secret, process.Output);
            }
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void BrokerErrorsTest_MalformedUriWithPassword_IsEchoedWithoutIt()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = Program.Run(["status", "--broker", $"amqp://user:{Secret}@host:notaport/", "--run", "r"], output, error);

        Assert.Equal(2, code);
        Assert.Contains("amqp://user:***@host:notaport/", error.ToString());
        Assert.DoesNotContain(Secret, error.ToString() + output);
    }

    [Theory]
    [InlineData("amqp://u:secret@host:5672/v", "amqp://u:***@host:5672/v")]
    [InlineData("amqp://u:se@cr:et@host/", "amqp://u:***@host/")]
    [InlineData("amqp://u@host/", "amqp://u@host/")]
    [InlineData("amqp://host:5672/", "amqp://host:5672/")]
    [InlineData("u:secret@host", "u:***@host")]
    [InlineData("not a uri", "not a uri")]
    public void BrokerErrorsTest_MaskPassword_HidesWhatIsBetweenUserAndHost(string uri, string shown) =>
        Assert.Equal(shown, BrokerUri.MaskPassword(uri));

    [Fact]
    public void BrokerErrorsTest_BrokerOptionsPrinted_HidesThePassword()
    {
        var printed = new BrokerOptions($"amqp://u:{Secret}@host/").ToString();

        Assert.Contains("amqp://u:***@host/", printed);
        Assert.DoesNotContain(Secret, printed);
    }
}
