using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// An actor's transport over RabbitMQ: config, finished and parameters through a <see cref="ParameterSubscriber"/>
/// (subscribed, and hello said, on connect), credits through a <see cref="CreditLease"/> (started at the first
/// <see cref="TakeCreditAsync"/>, so the actor holds no credit before it has built its policy), rollouts through a
/// <see cref="RolloutSender"/>. All on one connection.
/// </summary>
public sealed class RabbitMqActorTransport : IActorTransport
{
    readonly BrokerConnection _connection;
    readonly BrokerTopology _topology;
    readonly ParameterSubscriber _subscriber;
    readonly RolloutSender _sender;
    CreditLease? _credits;

    RabbitMqActorTransport(BrokerConnection connection, BrokerTopology topology, ParameterSubscriber subscriber, ulong actorId)
    {
        _connection = connection;
        _topology = topology;
        _subscriber = subscriber;
        _sender = new RolloutSender(connection, topology, actorId);
    }

    /// <inheritdoc cref="ITransportConnector.ConnectActorAsync"/>
    public static async Task<IActorTransport> ConnectAsync(BrokerOptions broker, RunName run, ulong actorId, CancellationToken cancellationToken)
    {
        var topology = new BrokerTopology(run);
        var name = actorId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)[..6];
        var connection = new BrokerConnection(broker with { ClientName = $"delight-actor-{name}" });
        try
        {
            var subscriber = await ParameterSubscriber.StartAsync(connection, topology, actorId, cancellationToken).ConfigureAwait(false);
            return new RabbitMqActorTransport(connection, topology, subscriber, actorId);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task<string> ConfigAsync(CancellationToken cancellationToken) => _subscriber.ConfigAsync(cancellationToken);
    public Task<string> Finished => _subscriber.Finished;

    public async Task<HeldCredit> TakeCreditAsync(CancellationToken cancellationToken)
    {
        if (_credits is null)
        {
            cancellationToken.ThrowIfCancellationRequested(); // an actor that joins a finished run takes no credit
            _credits = await CreditLease.StartAsync(_connection, _topology, cancellationToken).ConfigureAwait(false);
        }
        return await _credits.TakeAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task CompleteCreditAsync(HeldCredit credit, CancellationToken cancellationToken) =>
        _credits!.CompleteAsync((CreditLease.Held)credit, cancellationToken);

    public PolicyStamp NewestParameters => _subscriber.Newest;
    public Task WaitForParametersAsync(Func<PolicyStamp, bool> ready, CancellationToken cancellationToken) => _subscriber.WaitForAsync(ready, cancellationToken);
    public bool TryTakeNewestParameters(ParameterLayout expected, Span<float> destination, out PolicyStamp stamp) => _subscriber.TryTakeNewest(expected, destination, out stamp);
    public Task ResyncAsync(CancellationToken cancellationToken) => _subscriber.ResyncAsync(cancellationToken);

    public ulong NextSequence => _sender.NextSequence;
    public long Sent => _sender.Sent;
    public Task SendAsync(Rollout rollout, RolloutStamp stamp, CancellationToken cancellationToken) => _sender.SendAsync(rollout, stamp, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _sender.DisposeAsync().ConfigureAwait(false);
        if (_credits is not null) await _credits.DisposeAsync().ConfigureAwait(false);
        await _subscriber.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
