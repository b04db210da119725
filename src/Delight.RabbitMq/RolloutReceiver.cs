using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Learner side of the rollout queue. A background loop consumes <c>delight.&lt;run&gt;.rollouts</c> with manual acks
/// and a bounded prefetch, re-opening its channels with backoff whenever the broker goes away. Each message is decoded
/// and validated on arrival: an invalid one is re-published to the dead-letter exchange with
/// <see cref="BrokerTopology.ReasonHeader"/>, counted, and acked, and never reaches the learner. A valid one is handed
/// out by <see cref="ReceiveAsync"/> and stays unacknowledged until the learner decides: applied
/// (<see cref="AcceptAsync"/>) or refused (<see cref="RejectAsync(ReceivedRollout, RejectReason, string, CancellationToken)"/>, dead-lettered).
/// <para>
/// With <see cref="RolloutReceiverOptions.DeferAcknowledgements"/> a decision is only recorded; <see cref="CommitAsync"/>
/// acknowledges it once the learner's checkpoint holds its effect. A learner that dies before that gets every
/// undecided and uncommitted rollout redelivered, and a resumed one recognises the decisions its checkpoint holds
/// (<see cref="Settled"/>): each rollout is applied exactly once in the run's history. Redelivered copies of a rollout
/// still in flight (a broker reconnect) take over its delivery instead of being applied twice; a second copy on the
/// same channel, and copies of one already acknowledged (a sender's retry), are dropped.
/// </para>
/// </summary>
public sealed class RolloutReceiver : IAsyncDisposable
{
    readonly BrokerConnection _broker;
    readonly BrokerTopology _topology;
    readonly RolloutCheck _check;
    readonly RolloutReceiverOptions _options;
    readonly Channel<ReceivedRollout> _ready;
    readonly Stack<ReceivedRollout> _pool = new();
    readonly DuplicateFilter _duplicates = new();
    readonly MessageBuffer _rejectBuffer = new();
    readonly SemaphoreSlim _commitGate = new(1, 1);
    readonly long[] _rejectedByReason = new long[RejectReasons.Count];
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Every delivered rollout not yet acknowledged, by origin; and the decisions a restored checkpoint holds.
    readonly Dictionary<RolloutOrigin, Entry> _entries = [];
    readonly Dictionary<RolloutOrigin, RejectReason> _settled = [];
    Task _loop = Task.CompletedTask;
    volatile Session? _current;
    long _received, _accepted, _duplicateCount;
    int _sessions;

    RolloutReceiver(BrokerConnection broker, BrokerTopology topology, RolloutCheck check, RolloutReceiverOptions options,
        IReadOnlyDictionary<RolloutOrigin, RejectReason>? settled, string? seen)
    {
        if (seen is not null) _duplicates.Restore(seen);
        _broker = broker;
        _topology = topology;
        _check = check;
        _options = options;
        _ready = Channel.CreateBounded<ReceivedRollout>(new BoundedChannelOptions(options.ReadyCapacity) { SingleReader = true, SingleWriter = true });
        if (settled is not null) foreach (var (origin, reason) in settled) _settled[origin] = reason;
    }

    /// <summary>Declares the topology and starts consuming; returns once the first consumer is registered.</summary>
    /// <param name="settled">decisions a restored checkpoint holds (see <see cref="Decisions"/>)</param>
    /// <param name="seen">the duplicate filter a restored checkpoint holds (see <see cref="SaveSeen"/>)</param>
    /// <exception cref="BrokerException">the broker is unreachable, or (exclusive) another learner holds the run</exception>
    /// <param name="check">the learner's rules: a rollout that breaks them is dead-lettered on arrival</param>
    public static async Task<RolloutReceiver> StartAsync(BrokerConnection broker, BrokerTopology topology, RolloutCheck check,
        RolloutReceiverOptions? options = null, CancellationToken cancellationToken = default,
        IReadOnlyDictionary<RolloutOrigin, RejectReason>? settled = null, string? seen = null)
    {
        var receiver = new RolloutReceiver(broker, topology, check, options ?? new RolloutReceiverOptions(), settled, seen);
        receiver._loop = Task.Run(receiver.ConsumeLoopAsync);
        try { await receiver._firstSession.Task.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return receiver;
    }

    /// <summary>Valid rollouts handed to the learner (duplicates excluded).</summary>
    public long Received => Interlocked.Read(ref _received);
    /// <summary>Rollouts the learner applied.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);
    /// <summary>Copies dropped, and acknowledged, because their rollout had already arrived (a sender's retry).</summary>
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
    /// <summary>Actors the duplicate filter remembers (bounded).</summary>
    internal int ActorsRemembered => _duplicates.ActorCount;

    /// <summary>Decisions recorded and not yet committed.</summary>
    public int Pending
    {
        get { lock (_entries) return _entries.Values.Count(e => e.State == EntryState.Decided); }
    }

    /// <summary>Rollouts delivered and not yet acknowledged, in any state (bounded by the prefetch).</summary>
    public int Unacknowledged
    {
        get { lock (_entries) return _entries.Count; }
    }

    /// <summary>
    /// Every decision the broker may not have heard of: recorded and uncommitted, committed while the connection was
    /// down, and those restored from the checkpoint not yet seen again. A checkpoint saves these.
    /// </summary>
    public List<RolloutDecision> Decisions()
    {
        lock (_entries)
        {
            var decisions = _entries.Where(e => e.Value.State != EntryState.InFlight).Select(e => new RolloutDecision(e.Key, e.Value.Reason)).ToList();
            decisions.AddRange(_settled.Select(s => new RolloutDecision(s.Key, s.Value)));
            return decisions;
        }
    }

    /// <summary>
    /// The duplicate filter for a checkpoint: every origin marked so far, except those still in flight (delivered,
    /// not decided), which the checkpoint does not hold and whose redeliveries a resumed learner must take.
    /// </summary>
    public string SaveSeen()
    {
        lock (_entries) return _duplicates.Save(_entries.Where(e => e.Value.State == EntryState.InFlight).Select(e => e.Key).ToList());
    }

    /// <summary>Restored decisions not seen again yet.</summary>
    public int Settled
    {
        get { lock (_entries) return _settled.Count; }
    }

    /// <summary>Waits for the next valid rollout.</summary>
    /// <exception cref="BrokerException">the broker stayed unreachable; the receiver has stopped</exception>
    public async ValueTask<ReceivedRollout> ReceiveAsync(CancellationToken cancellationToken)
    {
        try { return await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false); }
        catch (ChannelClosedException e) when (e.InnerException is BrokerException broker) { throw new BrokerException(broker.Message, broker); }
    }

    public bool TryReceive(out ReceivedRollout received) => _ready.Reader.TryRead(out received!);

    /// <summary>The learner applied the rollout (acknowledged now, or at the next commit when deferred).</summary>
    public ValueTask AcceptAsync(ReceivedRollout received, CancellationToken cancellationToken = default)
    {
        Decide(received, RejectReason.None, null);
        Interlocked.Increment(ref _accepted);
        return _options.DeferAcknowledgements ? ValueTask.CompletedTask : new ValueTask(CommitAsync(cancellationToken));
    }

    /// <summary>The learner refused the rollout: dead-letter it with the reason, then acknowledge it.</summary>
    public ValueTask RejectAsync(ReceivedRollout received, string detail, CancellationToken cancellationToken = default) =>
        RejectAsync(received, RejectReason.RejectedByLearner, detail, cancellationToken);

    /// <summary>The learner refused the rollout for <paramref name="reason"/> (e.g. <see cref="RejectReason.TooStale"/>).</summary>
    public ValueTask RejectAsync(ReceivedRollout received, RejectReason reason, string detail, CancellationToken cancellationToken = default)
    {
        if (reason == RejectReason.None) throw new ArgumentOutOfRangeException(nameof(reason), "a rejection needs a reason.");
        Decide(received, reason, detail);
        Interlocked.Increment(ref _rejectedByReason[(int)reason]);
        return _options.DeferAcknowledgements ? ValueTask.CompletedTask : new ValueTask(CommitAsync(cancellationToken));
    }

    void Decide(ReceivedRollout received, RejectReason reason, string? detail)
    {
        byte[]? body = null;
        if (reason != RejectReason.None)
        {
            // The original bytes are gone with the delivery; the rollout was valid, so re-encoding gives an equivalent message.
            lock (_rejectBuffer)
            {
                RolloutMessage.Encode(received.Rollout, _topology.Run, received.Origin, received.Stamp, _rejectBuffer);
                body = _rejectBuffer.Written.ToArray();
            }
        }
        lock (_entries)
        {
            if (!_entries.TryGetValue(received.Origin, out var entry))
                throw new InvalidOperationException($"rollout {received.Origin} was decided twice, or never delivered.");
            if (entry.State != EntryState.InFlight) throw new InvalidOperationException($"rollout {received.Origin} was decided twice.");
            entry.State = EntryState.Decided;
            entry.Reason = reason;
            entry.Detail = detail;
            entry.Body = body;
        }
        Return(received);
    }

    /// <summary>
    /// Acts on every recorded decision: dead-letters the refused ones (confirmed), then acknowledges all. Called by the
    /// learner after a checkpoint that holds them. A decision whose delivery belongs to a dead connection is kept and
    /// acknowledged when the broker redelivers it. A broker failure leaves the rest for the next commit.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        await _commitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<(RolloutOrigin Origin, Entry Entry)> decided;
            lock (_entries) decided = _entries.Where(e => e.Value.State == EntryState.Decided).Select(e => (e.Key, e.Value)).ToList();
            foreach (var (origin, entry) in decided)
            {
                Session? session;
                ulong tag;
                lock (_entries) (session, tag) = (entry.Session, entry.Tag);
                if (session is null || !session.IsCurrent(this))
                {
                    lock (_entries) entry.State = EntryState.Committed; // acknowledged on redelivery; dead-lettered first if refused
                    continue;
                }
                try
                {
                    if (entry.Body is { } body)
                    {
                        await PublishDeadLetterAsync(session, body, entry.Reason, entry.Detail ?? "", cancellationToken).ConfigureAwait(false);
                        entry.Body = null; // published: a redelivery is only acknowledged
                    }
                    await session.Consume.BasicAckAsync(tag, multiple: false, cancellationToken).ConfigureAwait(false);
                    lock (_entries) _entries.Remove(origin);
                }
                catch (Exception e) when (BrokerConnection.IsTransient(e))
                {
                    session.Closed.TrySetResult();
                    lock (_entries) entry.State = EntryState.Committed;
                }
            }
        }
        finally { _commitGate.Release(); }
    }

    async Task ConsumeLoopAsync()
    {
        var backoff = new Backoff(_broker.Options);
        var held = Stopwatch.StartNew();
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
                var current = session;
                consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(current, delivery);
                _current = session;
                await consume.BasicConsumeAsync(_topology.RolloutQueue, autoAck: false, consumerTag: "", noLocal: false,
                    exclusive: _options.ExclusiveWait is not null, arguments: null, consumer, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _sessions);
                backoff = new Backoff(_broker.Options);
                held.Restart();
                _firstSession.TrySetResult();
                await session.Closed.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { break; }
            catch (BrokerException e)
            {
                Fail(e);
                return;
            }
            catch (OperationInterruptedException e) when (_options.ExclusiveWait is { } wait && IsHeldByAnother(e))
            {
                // Another consumer holds the run: a second learner, or our own predecessor's connection the broker
                // has not yet seen die (a heartbeat or two). Wait that long, then refuse.
                if (held.Elapsed > wait)
                {
                    Fail(new BrokerException(
                        $"another learner is consuming run '{_topology.Run}' (the broker refused this one for {wait.TotalSeconds:0.#} s: {e.ShutdownReason?.ReplyText}); stop it first, or choose another --run.", e));
                    return;
                }
                try { await backoff.DelayAsync(_stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
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

    void Fail(BrokerException e)
    {
        _firstSession.TrySetException(e);
        _ready.Writer.TryComplete(e);
    }

    /// <summary>ACCESS_REFUSED for an exclusive consume: the queue "is in exclusive use" by another connection.</summary>
    static bool IsHeldByAnother(OperationInterruptedException e) =>
        e.ShutdownReason is { ReplyCode: 403 } reason && reason.ReplyText.Contains("exclusive", StringComparison.OrdinalIgnoreCase);

    async Task OnDeliveryAsync(Session session, BasicDeliverEventArgs delivery)
    {
        try
        {
            var received = Rent();
            var result = RolloutMessage.Decode(delivery.Body.Span, _topology.Run, _check, received.Rollout, out var origin, out var stamp);
            if (!result.IsValid)
            {
                Return(received);
                await DeadLetterNowAsync(session, delivery.Body, result.Reason, result.Message, delivery.DeliveryTag).ConfigureAwait(false);
                return;
            }
            var (action, reason) = Classify(origin, session, delivery.DeliveryTag);
            switch (action)
            {
                case Arrival.New:
                    received.Origin = origin;
                    received.Stamp = stamp;
                    received.Redelivered = delivery.Redelivered;
                    Interlocked.Increment(ref _received);
                    await _ready.Writer.WriteAsync(received, _stop.Token).ConfigureAwait(false);
                    return;
                case Arrival.SettledRejected:
                    Return(received);
                    await DeadLetterNowAsync(session, delivery.Body, reason, "refused by the learner before it restarted (its checkpoint holds the decision)",
                        delivery.DeliveryTag, count: false).ConfigureAwait(false);
                    return;
                case Arrival.Acknowledge:
                    Return(received);
                    await AckNowAsync(session, delivery.DeliveryTag).ConfigureAwait(false);
                    return;
                case Arrival.Duplicate:
                    Return(received);
                    await AckNowAsync(session, delivery.DeliveryTag).ConfigureAwait(false);
                    Interlocked.Increment(ref _duplicateCount); // counted once dropped for good
                    return;
                default: // a redelivery that took over the delivery of a rollout still in flight or pending
                    Return(received);
                    return;
            }
        }
        catch (Exception e) when (BrokerConnection.IsTransient(e) || e is OperationCanceledException or ChannelClosedException)
        {
            // The session is broken; unacked messages return to the queue and come back on the next session.
            session.Closed.TrySetResult();
        }
    }

    enum Arrival { New, TookOver, Acknowledge, Duplicate, SettledRejected }

    /// <summary>What a valid delivery of <paramref name="origin"/> is: new, a copy of one we hold, or one already decided.</summary>
    (Arrival, RejectReason) Classify(RolloutOrigin origin, Session session, ulong tag)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(origin, out var entry))
            {
                if (ReferenceEquals(entry.Session, session))
                {
                    // The broker redelivers only after a channel closes, so a second copy on the same channel is a
                    // second message (a sender's retry after a lost confirm): drop it now; the first keeps its delivery.
                    return (Arrival.Duplicate, RejectReason.None);
                }
                if (entry.State == EntryState.Committed && entry.Body is null)
                {
                    _entries.Remove(origin);
                    return (Arrival.Acknowledge, RejectReason.None);
                }
                entry.Session = session; // the broker requeued it after a reconnect: this delivery is the one to ack
                entry.Tag = tag;
                if (entry.State == EntryState.Committed) entry.State = EntryState.Decided; // dead letter still owed
                return (Arrival.TookOver, RejectReason.None);
            }
            if (_settled.Remove(origin, out var settled))
                return settled == RejectReason.None ? (Arrival.Acknowledge, RejectReason.None) : (Arrival.SettledRejected, settled);
            if (!_duplicates.TryMark(origin)) return (Arrival.Duplicate, RejectReason.None);
            _entries[origin] = new Entry { Session = session, Tag = tag };
            return (Arrival.New, RejectReason.None);
        }
    }

    /// <summary>Dead-letters a message decided on arrival (invalid), then acknowledges it.</summary>
    async Task DeadLetterNowAsync(Session session, ReadOnlyMemory<byte> body, RejectReason reason, string detail, ulong deliveryTag, bool count = true)
    {
        // Publish-and-confirm first, ack second: if we crash between them the message is redelivered and
        // dead-lettered twice, never lost.
        await PublishDeadLetterAsync(session, body, reason, detail, _stop.Token).ConfigureAwait(false);
        if (count)
        {
            Interlocked.Increment(ref _rejectedByReason[(int)reason]);
            _options.OnInvalid?.Invoke(reason);
        }
        await AckNowAsync(session, deliveryTag).ConfigureAwait(false);
    }

    async Task PublishDeadLetterAsync(Session session, ReadOnlyMemory<byte> body, RejectReason reason, string detail, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/x-delight",
            Headers = new Dictionary<string, object?>
            {
                [BrokerTopology.ReasonHeader] = Encoding.UTF8.GetBytes(reason.WireName()),
                [BrokerTopology.DetailHeader] = Encoding.UTF8.GetBytes(detail),
            },
        };
        await session.DeadLetters!.BasicPublishAsync(_topology.DeadLetterExchange, "", mandatory: false, properties, body, cancellationToken)
            .ConfigureAwait(false);
    }

    async ValueTask AckNowAsync(Session session, ulong deliveryTag)
    {
        // A tag from an earlier session would ack an unrelated message on the new channel; skip it. The broker has
        // requeued that message, and it comes back.
        if (!session.IsCurrent(this)) return;
        try { await session.Consume.BasicAckAsync(deliveryTag, multiple: false, _stop.Token).ConfigureAwait(false); }
        catch (Exception e) when (BrokerConnection.IsTransient(e)) { session.Closed.TrySetResult(); }
    }

    ReceivedRollout Rent()
    {
        lock (_pool) return _pool.TryPop(out var received) ? received : new ReceivedRollout(_check.Shape);
    }

    void Return(ReceivedRollout received)
    {
        lock (_pool) _pool.Push(received);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _stop.Dispose();
        _commitGate.Dispose();
    }

    enum EntryState { InFlight, Decided, Committed }

    /// <summary>A delivered rollout's delivery (replaced when the broker redelivers it) and the learner's decision.</summary>
    sealed class Entry
    {
        public Session? Session;
        public ulong Tag;
        public EntryState State;
        public RejectReason Reason;
        public string? Detail;
        /// <summary>A refused rollout's bytes until its dead letter is confirmed.</summary>
        public byte[]? Body;
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
