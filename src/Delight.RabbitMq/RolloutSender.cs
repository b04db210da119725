using RabbitMQ.Client;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Actor side of the rollout queue. SendAsync encodes into one reused buffer, publishes persistent to
/// <c>delight.&lt;run&gt;.rollouts</c> and returns once the broker confirmed it, retrying across reconnects. So a
/// rollout whose send returned survives the actor dying and the broker restarting. Not thread-safe: one per actor.
/// </summary>
public sealed class RolloutSender : IAsyncDisposable
{
    readonly BrokerTopology _topology;
    readonly ConfirmedPublisher _publisher;
    readonly MessageBuffer _buffer = new();
    // One properties object reused for every message: delivery mode 2 (persistent) is what makes a confirmed
    // message survive a broker restart.
    readonly BasicProperties _properties = new() { Persistent = true, ContentType = "application/x-delight" };

    public RolloutSender(BrokerConnection broker, BrokerTopology topology, ulong actorId)
    {
        _topology = topology;
        _publisher = new ConfirmedPublisher(broker, topology);
        ActorId = actorId;
    }

    public ulong ActorId { get; }
    /// <summary>Sequence number of the next rollout; the learner drops a second copy of any (actor id, sequence).</summary>
    public ulong NextSequence { get; private set; }
    /// <summary>Rollouts confirmed by the broker.</summary>
    public long Sent { get; private set; }
    /// <summary>Publishes repeated after a broker failure (at-least-once; the receiver removes duplicates).</summary>
    public long Retries => _publisher.Retries;

    /// <summary>Sends <paramref name="rollout"/> and waits for the broker's confirm.</summary>
    /// <exception cref="BrokerException">the broker stayed unreachable past <see cref="BrokerOptions.UnreachableTimeout"/></exception>
    public Task SendAsync(Rollout rollout, CancellationToken cancellationToken) => SendAsync(rollout, default, cancellationToken);

    /// <summary>Sends <paramref name="rollout"/> stamped with its parameters' epoch and the credit it answers.</summary>
    public async Task SendAsync(Rollout rollout, RolloutStamp stamp, CancellationToken cancellationToken)
    {
        RolloutMessage.Encode(rollout, _topology.Run, new RolloutOrigin(ActorId, NextSequence), stamp, _buffer);
        await SendEncodedAsync(_buffer.Written, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends bytes already encoded (or deliberately corrupted, in tests) with the same confirm and retry rules.</summary>
    internal async Task SendEncodedAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // mandatory: a message the broker cannot route (queue deleted) comes back as an error instead of vanishing.
        await _publisher.PublishAsync("", _topology.RolloutQueue, mandatory: true, _properties, message, cancellationToken).ConfigureAwait(false);
        NextSequence++;
        Sent++;
    }

    /// <summary>A random actor id: unique per actor process, so a restarted actor never collides with its old sequence numbers.</summary>
    public static ulong NewActorId() => (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);

    public ValueTask DisposeAsync() => _publisher.DisposeAsync();
}
