using System.Diagnostics;
using RabbitMQ.Client;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Publishes on a channel with publisher confirms and retries across reconnects: PublishAsync returns only once the
/// broker has confirmed the message (for a persistent message to a durable queue: written to disk). A failure drops
/// the channel, backs off, re-opens it (re-declaring the topology) and publishes the same bytes again, so a message
/// is published at least once (a permanent refusal by the broker throws <see cref="BrokerException"/> at once); receivers drop the duplicates by (actor id, sequence). Not thread-safe.
/// </summary>
sealed class ConfirmedPublisher(BrokerConnection broker, BrokerTopology topology) : IAsyncDisposable
{
    IChannel? _channel;

    /// <summary>Publishes retried after a failure.</summary>
    public long Retries { get; private set; }

    public async Task PublishAsync(string exchange, string routingKey, bool mandatory, BasicProperties properties,
        ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(broker.Options);
        var failing = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (_channel is not { IsOpen: true })
                {
                    await BrokerConnection.DisposeQuietlyAsync(_channel).ConfigureAwait(false);
                    _channel = null;
                    var channel = await broker.OpenChannelAsync(publisherConfirms: true, cancellationToken).ConfigureAwait(false);
                    await topology.DeclareSharedAsync(channel, cancellationToken).ConfigureAwait(false);
                    _channel = channel;
                }
                await _channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (broker.Refusal(e) is { } permanent) { throw permanent; }
            catch (Exception e) when (BrokerConnection.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                Retries++;
                await BrokerConnection.DisposeQuietlyAsync(_channel).ConfigureAwait(false);
                _channel = null;
                if (failing.Elapsed > broker.RetryLimit) throw broker.Unreachable(e);
                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync() => new(BrokerConnection.DisposeQuietlyAsync(_channel));
}
