using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// The learner's transport over RabbitMQ: rollouts from <c>delight.&lt;run&gt;.rollouts</c> through one exclusive,
/// deferred-acknowledgement <see cref="RolloutReceiver"/>; parameters, config and finished through the
/// <see cref="ParameterPublisher"/>; credits through the <see cref="CreditIssuer"/>; status on the <see cref="StatusBoard"/>.
/// All on one connection.
/// </summary>
public sealed class RabbitMqLearnerTransport : ILearnerTransport
{
    readonly BrokerConnection _connection;
    readonly ParameterPublisher _publisher;
    readonly RolloutReceiver _receiver;
    readonly CreditIssuer _credits;
    readonly StatusBoard _status;

    RabbitMqLearnerTransport(BrokerConnection connection, ParameterPublisher publisher, RolloutReceiver receiver, CreditIssuer credits, StatusBoard status)
    {
        _connection = connection;
        _publisher = publisher;
        _receiver = receiver;
        _credits = credits;
        _status = status;
    }

    /// <inheritdoc cref="ITransportConnector.ConnectLearnerAsync"/>
    public static async Task<ILearnerTransport> ConnectAsync(BrokerOptions broker, RunName run, LearnerTransportOptions options, CancellationToken cancellationToken)
    {
        var topology = new BrokerTopology(run);
        var connection = new BrokerConnection(broker with { ClientName = $"delight-learner-{run}" });
        ParameterPublisher? publisher = null;
        RolloutReceiver? receiver = null;
        try
        {
            publisher = await ParameterPublisher.StartAsync(connection, topology, options.ConfigJson, cancellationToken).ConfigureAwait(false);
            receiver = await RolloutReceiver.StartAsync(connection, topology, options.Check, new RolloutReceiverOptions
            {
                Prefetch = options.MaxUncommitted,
                DeferAcknowledgements = true,
                ExclusiveWait = options.LockWait,
                OnInvalid = options.OnInvalid,
            }, cancellationToken, options.Decided, options.Seen).ConfigureAwait(false);
            return new RabbitMqLearnerTransport(connection, publisher, receiver, new CreditIssuer(connection, topology), new StatusBoard(connection, run));
        }
        catch
        {
            if (receiver is not null) await receiver.DisposeAsync().ConfigureAwait(false);
            if (publisher is not null) await publisher.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The receiver, for tests and tools that look at its counters.</summary>
    public RolloutReceiver Receiver => _receiver;

    public ValueTask<ReceivedRollout> ReceiveAsync(CancellationToken cancellationToken) => _receiver.ReceiveAsync(cancellationToken);
    public ValueTask AcceptAsync(ReceivedRollout received) => _receiver.AcceptAsync(received);
    public ValueTask RejectAsync(ReceivedRollout received, RejectReason reason, string detail) => _receiver.RejectAsync(received, reason, detail);
    public int Pending => _receiver.Pending;
    public Task CommitAsync() => _receiver.CommitAsync();
    public List<RolloutDecision> Decisions() => _receiver.Decisions();
    public string SaveSeen() => _receiver.SaveSeen();

    public Task PublishParametersAsync(PolicyStamp stamp, ParameterLayout layout, ReadOnlyMemory<float> parameters, CancellationToken cancellationToken) =>
        _publisher.PublishAsync(stamp, layout, parameters, cancellationToken);

    public Task PublishFinishedAsync(string reason, CancellationToken cancellationToken) => _publisher.PublishFinishedAsync(reason, cancellationToken);
    public Task ResetCreditsAsync(ulong epoch, int count, long minVersion, CancellationToken cancellationToken) => _credits.ResetAsync(epoch, count, minVersion, cancellationToken);
    public Task ReplaceCreditAsync(ulong creditId, long minVersion, CancellationToken cancellationToken) => _credits.ReplaceAsync(creditId, minVersion, cancellationToken);
    public Task WithdrawCreditsAsync(CancellationToken cancellationToken) => _credits.WithdrawAsync(cancellationToken);
    public Task PublishStatusAsync(LearnerStatus status, CancellationToken cancellationToken) => _status.PublishAsync(status, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync().ConfigureAwait(false);
        await _credits.DisposeAsync().ConfigureAwait(false);
        await _status.DisposeAsync().ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
