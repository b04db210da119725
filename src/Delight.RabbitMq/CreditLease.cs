using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Actor side of flow control: consumes <c>delight.&lt;run&gt;.credits</c> one at a time (prefetch 1, manual ack).
/// <see cref="TakeAsync"/> waits for a credit; <see cref="CompleteAsync"/> acknowledges it once the rollout that
/// answers it is confirmed. An actor that dies while holding a credit never acks it, so the broker hands it to another
/// actor: no batch the learner asked for is lost with an actor. Reconnects like every other role.
/// </summary>
public sealed class CreditLease : IAsyncDisposable
{
    readonly BrokerConnection _broker;
    readonly BrokerTopology _topology;
    readonly Channel<Held> _credits = Channel.CreateUnbounded<Held>(new UnboundedChannelOptions { SingleReader = false });
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Task _loop = Task.CompletedTask;
    volatile IChannel? _channel;
    long _invalid;

    CreditLease(BrokerConnection broker, BrokerTopology topology)
    {
        _broker = broker;
        _topology = topology;
    }

    public static async Task<CreditLease> StartAsync(BrokerConnection broker, BrokerTopology topology, CancellationToken cancellationToken = default)
    {
        var lease = new CreditLease(broker, topology);
        lease._loop = Task.Run(() => broker.ReconnectLoopAsync(lease.StartSessionAsync, e =>
        {
            lease._firstSession.TrySetException(e);
            lease._credits.Writer.TryComplete(e);
        }, lease._stop.Token));
        try { await lease._firstSession.Task.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false); // a start given up on leaves no reconnect loop behind
            throw;
        }
        return lease;
    }

    /// <summary>Credit messages that failed validation (dropped and acknowledged).</summary>
    public long Invalid => Interlocked.Read(ref _invalid);

    /// <summary>A credit and the delivery it came with (acknowledged by <see cref="CompleteAsync"/>).</summary>
    public sealed class Held(Credit credit, IChannel channel, ulong deliveryTag) : HeldCredit(credit)
    {
        public IChannel Channel { get; } = channel;
        public ulong DeliveryTag { get; } = deliveryTag;
    }

    /// <summary>Waits for the learner's next credit.</summary>
    /// <exception cref="BrokerException">the broker stayed unreachable</exception>
    public async Task<Held> TakeAsync(CancellationToken cancellationToken)
    {
        try { return await _credits.Reader.ReadAsync(cancellationToken).ConfigureAwait(false); }
        catch (ChannelClosedException e) when (e.InnerException is BrokerException broker) { throw new BrokerException(broker.Message, broker); }
    }

    /// <summary>The credit is answered (or void): acknowledge it. On a channel since closed the broker has requeued it already.</summary>
    public async Task CompleteAsync(Held held, CancellationToken cancellationToken)
    {
        if (!held.Channel.IsOpen) return;
        try { await held.Channel.BasicAckAsync(held.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (BrokerConnection.IsTransient(e)) { }
    }

    async Task StartSessionAsync(IChannel channel, TaskCompletionSource closed)
    {
        await _topology.DeclareSharedAsync(channel, _stop.Token).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 1, global: false, _stop.Token).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (CreditMessage.Decode(delivery.Body.Span, _topology.Run, out var credit).IsValid)
            {
                _credits.Writer.TryWrite(new Held(credit, channel, delivery.DeliveryTag));
                return;
            }
            Interlocked.Increment(ref _invalid);
            try { await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, _stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (BrokerConnection.IsTransient(e) || e is OperationCanceledException) { closed.TrySetResult(); }
        };
        // A credit delivered on a channel that then closed is requeued by the broker: drop our copy, take the redelivery.
        closed.Task.ContinueWith(_ => Drain(channel), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Forget();
        await channel.BasicConsumeAsync(_topology.CreditQueue, autoAck: false, consumer, _stop.Token).ConfigureAwait(false);
        _channel = channel;
        _firstSession.TrySetResult();
    }

    void Drain(IChannel closedChannel)
    {
        var keep = new List<Held>();
        while (_credits.Reader.TryRead(out var held)) if (!ReferenceEquals(held.Channel, closedChannel)) keep.Add(held);
        foreach (var held in keep) _credits.Writer.TryWrite(held);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}

static class TaskExtensions
{
    /// <summary>Fire and forget a continuation whose failure cannot matter (it only tidies a local buffer).</summary>
    public static void Forget(this Task task) => _ = task;
}
