using System.Security.Cryptography;
using RabbitMQ.Client;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Learner side of flow control. The learner keeps a fixed number of batches in flight — credits waiting in
/// <c>delight.&lt;run&gt;.credits</c>, held by actors while they sample, or answered by rollouts not yet consumed — and
/// grants one new credit for each rollout it consumes (applied or refused). Actors sample only against a credit, so
/// they produce what the learner will apply, and each credit names the oldest version its batch may use, so the
/// batch is at most the in-flight count behind when it is applied. A rollout answering a credit this learner did not
/// grant (a predecessor's, or a second answer to a credit requeued when its actor died) gets no replacement, so the
/// count stays fixed.
/// </summary>
public sealed class CreditIssuer : IAsyncDisposable
{
    readonly BrokerConnection _broker;
    readonly BrokerTopology _topology;
    readonly ConfirmedPublisher _publisher;
    readonly MessageBuffer _buffer = new();
    readonly BasicProperties _properties = new() { Persistent = true, ContentType = "application/x-delight" };
    readonly HashSet<ulong> _outstanding = [];
    ulong _epoch;

    public CreditIssuer(BrokerConnection broker, BrokerTopology topology)
    {
        _broker = broker;
        _topology = topology;
        _publisher = new ConfirmedPublisher(broker, topology);
    }

    /// <summary>Credits granted and not yet answered.</summary>
    public int Outstanding => _outstanding.Count;
    public long Granted { get; private set; }

    /// <summary>Withdraws every credit in the queue (a dead predecessor's too) and grants <paramref name="count"/> fresh ones.</summary>
    public async Task ResetAsync(ulong epoch, int count, long minVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _epoch = epoch;
        await PurgeAsync(cancellationToken).ConfigureAwait(false);
        _outstanding.Clear();
        for (var i = 0; i < count; i++) await GrantAsync(minVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A rollout answering <paramref name="creditId"/> was consumed: grant its replacement (batches sampled with
    /// <paramref name="minVersion"/> or newer) if the credit was one of ours. Returns whether it was.
    /// </summary>
    public async Task<bool> ReplaceAsync(ulong creditId, long minVersion, CancellationToken cancellationToken)
    {
        if (!_outstanding.Remove(creditId)) return false;
        await GrantAsync(minVersion, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The run is over: withdraws the credits still queued. Returns how many were withdrawn.</summary>
    public async Task<uint> WithdrawAsync(CancellationToken cancellationToken)
    {
        var purged = await PurgeAsync(cancellationToken).ConfigureAwait(false);
        _outstanding.Clear();
        return purged;
    }

    async Task GrantAsync(long minVersion, CancellationToken cancellationToken)
    {
        ulong id;
        do id = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)); while (id == 0 || _outstanding.Contains(id));
        CreditMessage.Encode(_topology.Run, new Credit(id, _epoch, minVersion), _buffer);
        await _publisher.PublishAsync("", _topology.CreditQueue, mandatory: true, _properties, _buffer.Written, cancellationToken).ConfigureAwait(false);
        _outstanding.Add(id);
        Granted++;
    }

    async Task<uint> PurgeAsync(CancellationToken cancellationToken)
    {
        var channel = await _broker.OpenChannelAsync(publisherConfirms: false, cancellationToken).ConfigureAwait(false);
        try
        {
            await _topology.DeclareSharedAsync(channel, cancellationToken).ConfigureAwait(false);
            return await channel.QueuePurgeAsync(_topology.CreditQueue, cancellationToken).ConfigureAwait(false);
        }
        finally { await BrokerConnection.DisposeQuietlyAsync(channel).ConfigureAwait(false); }
    }

    public ValueTask DisposeAsync() => _publisher.DisposeAsync();
}
