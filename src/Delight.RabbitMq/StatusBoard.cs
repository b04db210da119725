using RabbitMQ.Client;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// The learner's <see cref="LearnerStatus"/> on the broker, for <c>delight status</c>: a durable queue
/// <c>delight.&lt;run&gt;.status</c> holding at most one ready message (x-max-length 1, drop-head), so the broker keeps
/// just the newest status and a reader sees it without the learner answering anything. Reading is non-destructive:
/// get without ack, then nack with requeue. Statuses are transient messages: after a broker restart the next one
/// (a couple of seconds later) replaces what was lost.
/// </summary>
public sealed class StatusBoard(BrokerConnection broker, RunName run) : IAsyncDisposable
{
    /// <summary>Readers peek at most this many (a publish racing a peek may briefly leave two ready); the newest wins.</summary>
    const int MaxPeek = 4;
    readonly BasicProperties _properties = new() { ContentType = "application/json", Persistent = false };
    IChannel? _channel;

    public string Queue { get; } = QueueName(run);

    public static string QueueName(RunName run) => $"delight.{run}.status";

    /// <summary>Declares the status queue (idempotent; every publisher and the first reader agree on its arguments).</summary>
    internal static Task DeclareAsync(IChannel channel, string queue, CancellationToken cancellationToken) =>
        channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-max-length"] = 1, ["x-overflow"] = "drop-head" },
            cancellationToken: cancellationToken);

    /// <summary>
    /// Replaces the status on the broker. Best effort, never a stall: when the broker is away (or the connection is
    /// being re-opened by the learner's other loops) it returns false at once and the next status tries again. Not
    /// thread-safe: one caller (the learner's loop).
    /// </summary>
    /// <exception cref="BrokerException">the broker refused permanently (e.g. the queue exists with other arguments)</exception>
    public async Task<bool> PublishAsync(LearnerStatus status, CancellationToken cancellationToken)
    {
        var body = status.ToUtf8Json();
        try
        {
            if (_channel is not { IsOpen: true })
            {
                await BrokerConnection.DisposeQuietlyAsync(_channel).ConfigureAwait(false);
                _channel = null;
                if (await broker.TryOpenChannelOnceAsync(cancellationToken).ConfigureAwait(false) is not { } channel) return false;
                await DeclareAsync(channel, Queue, cancellationToken).ConfigureAwait(false);
                _channel = channel;
            }
            await _channel.BasicPublishAsync("", Queue, mandatory: false, _properties, body, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (broker.Refusal(e) is { } permanent) { throw permanent; }
        catch (Exception e) when (BrokerConnection.IsTransient(e))
        {
            await BrokerConnection.DisposeQuietlyAsync(_channel).ConfigureAwait(false);
            _channel = null;
            return false;
        }
    }

    /// <summary>The newest status, or null when no learner has published one (the queue is absent or empty).</summary>
    /// <exception cref="FormatException">the queue holds something that is not a learner status</exception>
    public async Task<LearnerStatus?> PeekAsync(CancellationToken cancellationToken)
    {
        var probe = await QueueProbe.PassiveAsync(broker, Queue, cancellationToken).ConfigureAwait(false);
        if (!probe.Exists || probe.Messages == 0) return null;
        var channel = await broker.OpenChannelAsync(publisherConfirms: false, cancellationToken).ConfigureAwait(false);
        try
        {
            BasicGetResult? newest = null;
            for (var i = 0; i < MaxPeek; i++)
            {
                var got = await channel.BasicGetAsync(Queue, autoAck: false, cancellationToken).ConfigureAwait(false);
                if (got is null) break;
                newest = got;
            }
            if (newest is null) return null;
            var status = LearnerStatus.FromUtf8Json(newest.Body.Span);
            // Put everything back where it was: the learner's next publish drops the older ones.
            await channel.BasicNackAsync(newest.DeliveryTag, multiple: true, requeue: true, cancellationToken).ConfigureAwait(false);
            return status;
        }
        finally { await BrokerConnection.DisposeQuietlyAsync(channel).ConfigureAwait(false); }
    }

    public ValueTask DisposeAsync() => new(BrokerConnection.DisposeQuietlyAsync(_channel));
}
