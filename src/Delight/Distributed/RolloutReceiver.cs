using System.Text;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Delight.Distributed;

/// <summary>
/// Learner side of the rollout queue. A background loop consumes <c>delight.&lt;run&gt;.rollouts</c> with manual acks
/// and a bounded prefetch, re-opening its channels with backoff whenever the broker goes away. Each message is decoded
/// and validated on arrival: an invalid one is re-published to the dead-letter exchange with
/// <see cref="BrokerTopology.ReasonHeader"/>, counted, and acked, and never reaches the learner. A valid one is handed
/// out by <see cref="ReceiveAsync"/>; it stays unacknowledged until the learner calls <see cref="AcceptAsync"/>
/// (applied) or <see cref="RejectAsync(ReceivedRollout, RejectReason, string, CancellationToken)"/> (refused, dead-lettered). A learner that dies before deciding loses nothing:
/// the broker redelivers. Duplicates (the same actor and sequence, from a sender's retry or a redelivery after a
/// reconnect) are acked and dropped.
/// </summary>
public sealed class RolloutReceiver : IAsyncDisposable
{
    readonly BrokerConnection _broker;
    readonly BrokerTopology _topology;
    readonly RolloutCheck _check;
    readonly RolloutReceiverOptions _options;
    readonly Channel<ReceivedRollout> _ready = Channel.CreateUnbounded<ReceivedRollout>(new UnboundedChannelOptions { SingleReader = true });
    readonly Stack<ReceivedRollout> _pool = new();
    readonly DuplicateFilter _duplicates = new();
    readonly MessageBuffer _rejectBuffer = new();
    readonly SemaphoreSlim _rejectGate = new(1, 1);
    readonly long[] _rejectedByReason = new long[RejectReasons.Count];
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Task _loop = Task.CompletedTask;
    volatile Session? _current;
    long _received, _accepted, _duplicateCount;
    int _sessions;

    RolloutReceiver(BrokerConnection broker, BrokerTopology topology, RolloutCheck check, RolloutReceiverOptions options)
    {
        _broker = broker;
        _topology = topology;
        _check = check;
        _options = options;
    }

    /// <summary>Declares the topology and starts consuming; returns once the first consumer is registered.</summary>
    public static async Task<RolloutReceiver> StartAsync(BrokerConnection broker, BrokerTopology topology, RolloutCheck check,
        RolloutReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        var receiver = new RolloutReceiver(broker, topology, check, options ?? new RolloutReceiverOptions());
        receiver._loop = Task.Run(receiver.ConsumeLoopAsync);
        await receiver._firstSession.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return receiver;
    }

    /// <summary>Valid rollouts handed to the learner (duplicates excluded).</summary>
    public long Received => Interlocked.Read(ref _received);
    public long Accepted => Interlocked.Read(ref _accepted);
    public long Duplicates => Interlocked.Read(ref _duplicateCount);
    /// <summary>Dead-lettered messages, invalid ones and those the learner rejected.</summary>
    public long Rejected
    {
        get
        {
            var total = 0L;
            for (var i = 0; i < _rejectedByReason.Length; i++) total += Interlocked.Read(ref _rejectedByReason[i]);
            return total;
        }
    }
    public long RejectedFor(RejectReason reason) => Interlocked.Read(ref _rejectedByReason[(int)reason]);
    /// <summary>Channel sessions opened after the first (one per broker restart survived).</summary>
    public int Reconnects => Math.Max(0, Volatile.Read(ref _sessions) - 1);

    /// <summary>Waits for the next valid rollout.</summary>
    /// <exception cref="BrokerException">the broker stayed unreachable; the receiver has stopped</exception>
    public async ValueTask<ReceivedRollout> ReceiveAsync(CancellationToken cancellationToken)
    {
        try { return await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false); }
        catch (ChannelClosedException e) when (e.InnerException is BrokerException broker) { throw new BrokerException(broker.Message, broker); }
    }

    public bool TryReceive(out ReceivedRollout received) => _ready.Reader.TryRead(out received!);

    /// <summary>The learner applied the rollout: acknowledge it, so the broker forgets it.</summary>
    public async ValueTask AcceptAsync(ReceivedRollout received, CancellationToken cancellationToken = default)
    {
        await AckAsync(received.Session, received.DeliveryTag, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _accepted);
        Return(received);
    }

    /// <summary>The learner refused the rollout: dead-letter it with the reason, then acknowledge it.</summary>
    public ValueTask RejectAsync(ReceivedRollout received, string detail, CancellationToken cancellationToken = default) =>
        RejectAsync(received, RejectReason.RejectedByLearner, detail, cancellationToken);

    /// <summary>The learner refused the rollout for <paramref name="reason"/> (e.g. <see cref="RejectReason.TooStale"/>).</summary>
    public async ValueTask RejectAsync(ReceivedRollout received, RejectReason reason, string detail, CancellationToken cancellationToken = default)
    {
        var session = received.Session;
        await _rejectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The original bytes are gone with the delivery; the rollout was valid, so re-encoding gives an equivalent message.
            RolloutMessage.Encode(received.Rollout, _topology.Run, received.Origin, _rejectBuffer);
            if (session is { } live && live.IsCurrent(this))
                await DeadLetterAsync(live, _rejectBuffer.Written, DecodeResult.Fail(reason, detail), received.DeliveryTag,
                    cancellationToken).ConfigureAwait(false);
            else Interlocked.Increment(ref _rejectedByReason[(int)reason]);
        }
        finally { _rejectGate.Release(); }
        Return(received);
    }

    async Task ConsumeLoopAsync()
    {
        var backoff = new Backoff(_broker.Options);
        while (!_stop.IsCancellationRequested)
        {
            Session? session = null;
            try
            {
                var consume = await _broker.OpenChannelAsync(publisherConfirms: false, _stop.Token).ConfigureAwait(false);
                session = new Session(consume);
                session.SetDeadLetters(await _broker.OpenChannelAsync(publisherConfirms: true, _stop.Token).ConfigureAwait(false));
                await _topology.DeclareSharedAsync(consume, _stop.Token).ConfigureAwait(false);
                await consume.BasicQosAsync(0, (ushort)_options.Prefetch, global: false, _stop.Token).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(consume);
                consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(session, delivery);
                _current = session;
                await consume.BasicConsumeAsync(_topology.RolloutQueue, autoAck: false, consumer, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _sessions);
                backoff = new Backoff(_broker.Options);
                _firstSession.TrySetResult();
                await session.Closed.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { break; }
            catch (BrokerException e)
            {
                _firstSession.TrySetException(e);
                _ready.Writer.TryComplete(e);
                return;
            }
            catch (Exception e) when (BrokerConnection.IsTransient(e))
            {
                try { await backoff.DelayAsync(_stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
            finally
            {
                if (session is not null)
                {
                    _current = null;
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        _ready.Writer.TryComplete();
    }

    async Task OnDeliveryAsync(Session session, BasicDeliverEventArgs delivery)
    {
        try
        {
            var received = Rent();
            var result = RolloutMessage.Decode(delivery.Body.Span, _topology.Run, _check, received.Rollout, out var origin);
            if (!result.IsValid)
            {
                Return(received);
                await DeadLetterAsync(session, delivery.Body, result, delivery.DeliveryTag, _stop.Token).ConfigureAwait(false);
                return;
            }
            if (!_duplicates.TryMark(origin))
            {
                Return(received);
                Interlocked.Increment(ref _duplicateCount);
                await AckAsync(session, delivery.DeliveryTag, _stop.Token).ConfigureAwait(false);
                return;
            }
            received.Origin = origin;
            received.Redelivered = delivery.Redelivered;
            received.DeliveryTag = delivery.DeliveryTag;
            received.Session = session;
            Interlocked.Increment(ref _received);
            _ready.Writer.TryWrite(received);
        }
        catch (Exception e) when (BrokerConnection.IsTransient(e) || e is OperationCanceledException)
        {
            // The session is broken; unacked messages return to the queue and come back on the next session.
            session.Closed.TrySetResult();
        }
    }

    async Task DeadLetterAsync(Session session, ReadOnlyMemory<byte> body, DecodeResult reason, ulong deliveryTag, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/x-delight",
            Headers = new Dictionary<string, object?>
            {
                [BrokerTopology.ReasonHeader] = Encoding.UTF8.GetBytes(reason.Reason.WireName()),
                [BrokerTopology.DetailHeader] = Encoding.UTF8.GetBytes(reason.Message),
            },
        };
        // Publish-and-confirm first, ack second: if we crash between them the message is redelivered and
        // dead-lettered twice, never lost.
        await session.DeadLetters!.BasicPublishAsync(_topology.DeadLetterExchange, "", mandatory: false, properties, body, cancellationToken)
            .ConfigureAwait(false);
        Interlocked.Increment(ref _rejectedByReason[(int)reason.Reason]);
        await AckAsync(session, deliveryTag, cancellationToken).ConfigureAwait(false);
    }

    async ValueTask AckAsync(Session? session, ulong deliveryTag, CancellationToken cancellationToken)
    {
        // A tag from an earlier session would ack an unrelated message on the new channel; skip it. The broker has
        // requeued that message, and the duplicate filter drops it when it comes back.
        if (session is null || !session.IsCurrent(this)) return;
        try { await session.Consume.BasicAckAsync(deliveryTag, multiple: false, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (BrokerConnection.IsTransient(e)) { session.Closed.TrySetResult(); }
    }

    ReceivedRollout Rent()
    {
        lock (_pool) return _pool.TryPop(out var received) ? received : new ReceivedRollout(_check.Shape);
    }

    void Return(ReceivedRollout received)
    {
        received.Session = null;
        lock (_pool) _pool.Push(received);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _stop.Dispose();
        _rejectGate.Dispose();
    }

    /// <summary>One consume channel (and its dead-letter channel) between two reconnects.</summary>
    internal sealed class Session(IChannel consume) : IAsyncDisposable
    {
        public IChannel Consume { get; } = consume;
        public IChannel? DeadLetters { get; private set; }
        public TaskCompletionSource Closed { get; } = BrokerConnection.ClosedSignal(consume);

        /// <summary>Either channel closing ends the session: the loop then re-opens both.</summary>
        public void SetDeadLetters(IChannel channel)
        {
            DeadLetters = channel;
            channel.ChannelShutdownAsync += (_, _) =>
            {
                Closed.TrySetResult();
                return Task.CompletedTask;
            };
        }

        public bool IsCurrent(RolloutReceiver receiver) => ReferenceEquals(receiver._current, this) && Consume.IsOpen;

        public async ValueTask DisposeAsync()
        {
            await BrokerConnection.DisposeQuietlyAsync(DeadLetters).ConfigureAwait(false);
            await BrokerConnection.DisposeQuietlyAsync(Consume).ConfigureAwait(false);
        }
    }
}
