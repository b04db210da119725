using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>A queue's depth as the broker reports it to a passive declare; a queue that does not exist is <see cref="Exists"/> false.</summary>
/// <param name="Messages">ready messages (not counting deliveries awaiting an ack)</param>
/// <param name="Consumers">consumers attached now</param>
public sealed record QueueProbe(string Name, bool Exists, uint Messages, uint Consumers)
{
    /// <summary>
    /// Asks the broker about <paramref name="queue"/> without creating it. A missing queue makes the broker close the
    /// channel (404), so each probe has a channel of its own.
    /// </summary>
    public static async Task<QueueProbe> PassiveAsync(BrokerConnection broker, string queue, CancellationToken cancellationToken)
    {
        var channel = await broker.OpenChannelAsync(publisherConfirms: false, cancellationToken).ConfigureAwait(false);
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            return new QueueProbe(queue, true, declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return new QueueProbe(queue, false, 0, 0);
        }
        finally { await BrokerConnection.DisposeQuietlyAsync(channel).ConfigureAwait(false); }
    }
}
