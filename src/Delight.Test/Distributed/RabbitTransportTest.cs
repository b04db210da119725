using System.Text;
using Delight.Distributed;
using Delight.RabbitMq;
using RabbitMQ.Client;

namespace Delight.Test.Distributed;

/// <summary>The transport against a real broker (<see cref="RabbitBroker"/>); each test has its own run name.</summary>
[Collection(RabbitCollection.Name)]
public sealed class RabbitTransportTest(RabbitBrokerFixture fixture)
{
    static readonly RolloutShape s_shape = new(promptLength: 2, answerLength: 3, vocabularySize: 4, promptVocabularySize: 10, maxRows: 8);
    static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    BrokerOptions Options => new(fixture.Broker.Uri)
    {
        UnreachableTimeout = TimeSpan.FromSeconds(60),
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromSeconds(1),
    };

    static BrokerTopology NewTopology() => new(new RunName($"t-{Guid.NewGuid():N}"[..18]));

    static Rollout RolloutFor(int seed)
    {
        var rollout = RolloutMessageTest.SampleRollout(s_shape, rows: 2, seed: seed);
        rollout.PolicyVersion = seed; // makes every rollout recognisable on arrival
        return rollout;
    }

    /// <summary>Receives until <paramref name="expected"/> distinct rollouts arrived, accepting each; returns their policy versions.</summary>
    static async Task<List<long>> ReceiveAllAsync(RolloutReceiver receiver, int expected)
    {
        using var timeout = new CancellationTokenSource(s_patience);
        var versions = new List<long>();
        while (versions.Count < expected)
        {
            var received = await receiver.ReceiveAsync(timeout.Token);
            versions.Add(received.Rollout.PolicyVersion);
            await receiver.AcceptAsync(received, timeout.Token);
        }
        return versions;
    }

    static async Task<uint> ReadyMessagesAsync(BrokerConnection broker, string queue)
    {
        await using var channel = await broker.OpenChannelAsync(false, CancellationToken.None);
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    [RabbitFact]
    public async Task RabbitTransportTest_TwoSenders_EveryRolloutArrivesOnceAndIsAcked()
    {
        var topology = NewTopology();
        await using var broker = new BrokerConnection(Options);
        await using var receiver = await RolloutReceiver.StartAsync(broker, topology, new RolloutCheck(s_shape));
        await using var first = new RolloutSender(broker, topology, actorId: 1);
        await using var second = new RolloutSender(broker, topology, actorId: 2);

        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 10; i++) await first.SendAsync(RolloutFor(i), CancellationToken.None); }),
            Task.Run(async () => { for (var i = 100; i < 110; i++) await second.SendAsync(RolloutFor(i), CancellationToken.None); }));
        var versions = await ReceiveAllAsync(receiver, 20);

        Assert.Equal(Enumerable.Range(0, 10).Concat(Enumerable.Range(100, 10)).Select(i => (long)i), versions.Order());
        Assert.Equal(20, receiver.Accepted);
        Assert.Equal(0, receiver.Rejected);
        Assert.Equal(0u, await ReadyMessagesAsync(broker, topology.RolloutQueue));
        Assert.False(receiver.TryReceive(out _));
    }

    [RabbitFact]
    public async Task RabbitTransportTest_SecondCopyOnTheSameChannel_IsDroppedAtOnce_AndTheFirstDeliveryIsTheOneAcked()
    {
        var topology = NewTopology();
        await using var broker = new BrokerConnection(Options);
        var receiver = await RolloutReceiver.StartAsync(broker, topology, new RolloutCheck(s_shape), new RolloutReceiverOptions { DeferAcknowledgements = true });
        await using var sender = new RolloutSender(broker, topology, actorId: 7);
        // A sender that lost a confirm sends the same rollout again: two messages, one origin.
        var copy = new MessageBuffer();
        RolloutMessage.Encode(RolloutFor(1), topology.Run, new RolloutOrigin(7, 1), copy);
        await sender.SendEncodedAsync(copy.Written, CancellationToken.None);
        await sender.SendEncodedAsync(copy.Written, CancellationToken.None);

        using var timeout = new CancellationTokenSource(s_patience);
        var received = await receiver.ReceiveAsync(timeout.Token);
        await receiver.AcceptAsync(received, timeout.Token); // decided; acknowledged at the commit
        while (receiver.Duplicates < 1) await Task.Delay(20, timeout.Token);
        await receiver.CommitAsync(timeout.Token);
        await receiver.DisposeAsync(); // anything left unacknowledged would now return to the queue

        Assert.Equal(1, receiver.Accepted);
        Assert.Equal(1, receiver.Duplicates);
        Assert.Equal(0, receiver.Unacknowledged);
        Assert.Equal(0u, await ReadyMessagesAsync(broker, topology.RolloutQueue));
    }

    [RabbitFact]
    public async Task RabbitTransportTest_CorruptedAndForeignMessages_AreDeadLetteredWithReason_AndTheReceiverKeepsGoing()
    {
        var topology = NewTopology();
        await using var broker = new BrokerConnection(Options);
        await using var receiver = await RolloutReceiver.StartAsync(broker, topology, new RolloutCheck(s_shape));
        await using var sender = new RolloutSender(broker, topology, actorId: 7);

        await sender.SendAsync(RolloutFor(1), CancellationToken.None);
        var corrupt = new MessageBuffer();
        RolloutMessage.Encode(RolloutFor(2), topology.Run, new RolloutOrigin(7, 99), corrupt);
        corrupt.WrittenSpan[^3] ^= 0xFF;
        await sender.SendEncodedAsync(corrupt.Written, CancellationToken.None);
        var foreign = new MessageBuffer();
        RolloutMessage.Encode(RolloutFor(3), new RunName("another-run"), new RolloutOrigin(7, 100), foreign);
        await sender.SendEncodedAsync(foreign.Written, CancellationToken.None);
        await sender.SendAsync(RolloutFor(4), CancellationToken.None);
        var versions = await ReceiveAllAsync(receiver, 2);
        // The learner may refuse a valid rollout too (too stale, say): it is dead-lettered with the learner's reason.
        await sender.SendAsync(RolloutFor(5), CancellationToken.None);
        var refused = await receiver.ReceiveAsync(CancellationToken.None);
        await receiver.RejectAsync(refused, "lag 12 exceeds the limit 8");

        Assert.Equal([1L, 4L], versions);
        Assert.Equal(1, receiver.RejectedFor(RejectReason.BadPayloadChecksum));
        Assert.Equal(1, receiver.RejectedFor(RejectReason.WrongRun));
        Assert.Equal(1, receiver.RejectedFor(RejectReason.RejectedByLearner));
        Assert.Equal(3, receiver.Rejected);
        Assert.Equal(2, receiver.Accepted);
        await using var channel = await broker.OpenChannelAsync(false, CancellationToken.None);
        var reasons = new List<string>();
        var details = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var dead = await channel.BasicGetAsync(topology.DeadLetterQueue, autoAck: true);
            Assert.NotNull(dead);
            reasons.Add(Encoding.UTF8.GetString((byte[])dead.BasicProperties.Headers![BrokerTopology.ReasonHeader]!));
            details.Add(Encoding.UTF8.GetString((byte[])dead.BasicProperties.Headers![BrokerTopology.DetailHeader]!));
            if (i == 0) Assert.Equal(corrupt.Written.ToArray(), dead.Body.ToArray()); // the bytes as received, for forensics
        }
        Assert.Equal(["bad-payload-checksum", "wrong-run", "rejected-by-learner"], reasons);
        Assert.Contains("another-run", details[1]);
        Assert.Equal("lag 12 exceeds the limit 8", details[2]);
        Assert.Equal(0u, await ReadyMessagesAsync(broker, topology.RolloutQueue));
    }

    [RabbitFact]
    public async Task RabbitTransportTest_Parameters_LateJoinerGetsConfigAndNewest_ThenEveryNewerVersion_ThenFinished()
    {
        var topology = NewTopology();
        var layout = new ParameterLayout(3, 0xC0FFEE);
        await using var learnerBroker = new BrokerConnection(Options);
        await using var actorBroker = new BrokerConnection(Options);
        await using var publisher = await ParameterPublisher.StartAsync(learnerBroker, topology, """{"task":"reversal"}""");
        for (var version = 0; version < 5; version++)
            await publisher.PublishAsync(version, layout, new float[] { version, 1, 2 }, CancellationToken.None);

        // Joins after versions 0..4 went out to nobody: its hello brings the config and version 4 only.
        await using var subscriber = await ParameterSubscriber.StartAsync(actorBroker, topology, actorId: 5);
        using var timeout = new CancellationTokenSource(s_patience);
        Assert.Equal("""{"task":"reversal"}""", await subscriber.ConfigAsync(timeout.Token));
        await subscriber.WaitForNewerAsync(3, timeout.Token);
        var parameters = new float[3];
        Assert.True(subscriber.TryTakeNewest(layout, parameters, out var taken));
        Assert.Equal(4, taken.Version);
        Assert.Equal([4f, 1f, 2f], parameters);
        Assert.False(subscriber.TryTakeNewest(layout, parameters, out PolicyStamp _));

        // A burst of versions: whatever arrives in between, the actor ends on the newest and never goes back.
        for (var version = 5; version < 25; version++)
            await publisher.PublishAsync(version, layout, new float[] { version, 1, 2 }, CancellationToken.None);
        await subscriber.WaitForNewerAsync(23, timeout.Token);
        Assert.True(subscriber.TryTakeNewest(layout, parameters, out taken));
        Assert.Equal(24, taken.Version);
        Assert.Equal(24f, parameters[0]);

        // Another architecture is refused, not loaded.
        await publisher.PublishAsync(25, new ParameterLayout(3, 0xBAD), new float[] { 25, 1, 2 }, CancellationToken.None);
        await subscriber.WaitForNewerAsync(24, timeout.Token);
        var refused = Assert.Throws<InvalidDataException>(() => subscriber.TryTakeNewest(layout, parameters, out PolicyStamp _));
        Assert.Contains("layout", refused.Message);
        Assert.Equal(24f, parameters[0]);

        Assert.False(subscriber.IsFinished);
        await publisher.PublishFinishedAsync("done", CancellationToken.None);
        Assert.Equal("done", await subscriber.Finished.WaitAsync(timeout.Token));
        Assert.Equal(0, subscriber.Invalid);
        Assert.True(publisher.HellosAnswered >= 1);
    }

    [RabbitFact]
    public async Task RabbitTransportTest_BrokerRestartMidStream_BothSidesReconnect_AndNothingConfirmedIsLost()
    {
        var topology = NewTopology();
        await using var actorBroker = new BrokerConnection(Options);
        await using var learnerBroker = new BrokerConnection(Options);
        await using var receiver = await RolloutReceiver.StartAsync(learnerBroker, topology, new RolloutCheck(s_shape), new RolloutReceiverOptions { Prefetch = 2 });
        await using var sender = new RolloutSender(actorBroker, topology, actorId: 9);
        for (var i = 0; i < 6; i++) await sender.SendAsync(RolloutFor(i), CancellationToken.None);
        // The learner applies three; three stay in the queue or unacknowledged in its prefetch when the broker goes.
        var versions = await ReceiveAllAsync(receiver, 3);

        await fixture.Broker.StopAsync();
        var sending = Task.Run(async () => { for (var i = 6; i < 12; i++) await sender.SendAsync(RolloutFor(i), CancellationToken.None); });
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(sending.IsCompleted); // no broker, no confirm: SendAsync waits instead of pretending
        await fixture.Broker.StartAsync();
        await sending.WaitAsync(s_patience);
        versions.AddRange(await ReceiveAllAsync(receiver, 9));

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), versions.Order());
        Assert.True(receiver.Reconnects >= 1, $"receiver reconnects {receiver.Reconnects}");
        Assert.True(actorBroker.Reconnects >= 1 && learnerBroker.Reconnects >= 1,
            $"actor reconnects {actorBroker.Reconnects}, learner reconnects {learnerBroker.Reconnects}");
        Assert.Equal(0u, await ReadyMessagesAsync(learnerBroker, topology.RolloutQueue));
    }
}
