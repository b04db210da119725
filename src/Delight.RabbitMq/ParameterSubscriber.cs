using RabbitMQ.Client;
using RabbitMQ.Client.Events;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Actor side of the way back: two private queues (parameters, control) bound to the run's fanout exchanges, and a
/// hello on every (re)connect so the learner re-sends the config and its latest parameters. Newest version wins
/// twice: the broker keeps at most one undelivered parameter message per actor, and a received message replaces the
/// held one only if its version is newer — or if it comes from another learner epoch: a learner resumed from a
/// checkpoint restarts below its dead predecessor's versions, and its parameters are the only live ones. Received parameters are checked (framing, checksums, run, finite values)
/// on arrival and held as bytes; TryTakeNewest checks the layout against the actor's policy and copies.
/// </summary>
public sealed class ParameterSubscriber : IAsyncDisposable
{
    readonly BrokerConnection _broker;
    readonly BrokerTopology _topology;
    readonly MessageBuffer _hello = new();
    readonly object _newestLock = new();
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<string> _config = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<string> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly SemaphoreSlim _arrived = new(0);
    byte[] _newest = [];
    int _newestLength;
    long _newestVersion = -1, _takenVersion = -1;
    ulong _newestEpoch, _takenEpoch;
    long _arrivals, _takenArrival; // a held message is new to the actor iff it arrived after the last take
    ParameterLayout _newestLayout;
    Task _loop = Task.CompletedTask;
    volatile IChannel? _channel;
    long _invalid, _stale;
    int _sessions;

    ParameterSubscriber(BrokerConnection broker, BrokerTopology topology, ulong actorId)
    {
        _broker = broker;
        _topology = topology;
        ControlMessage.Encode(topology.Run, MessageKind.Hello, actorId, "", _hello);
    }

    /// <summary>Binds the private queues and says hello; returns once subscribed (the config may arrive later).</summary>
    public static async Task<ParameterSubscriber> StartAsync(BrokerConnection broker, BrokerTopology topology, ulong actorId,
        CancellationToken cancellationToken = default)
    {
        var subscriber = new ParameterSubscriber(broker, topology, actorId);
        subscriber._loop = Task.Run(subscriber.SubscribeLoopAsync);
        await subscriber._firstSession.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return subscriber;
    }

    /// <summary>The run's configuration (UTF-8 JSON from the learner), once it has arrived.</summary>
    public Task<string> ConfigAsync(CancellationToken cancellationToken) => _config.Task.WaitAsync(cancellationToken);
    /// <summary>Completes with the learner's reason when the run is over: the actor should exit.</summary>
    public Task<string> Finished => _finished.Task;
    public bool IsFinished => _finished.Task.IsCompleted;
    /// <summary>Newest version received (not necessarily taken), or −1.</summary>
    public long NewestVersion => Interlocked.Read(ref _newestVersion);
    /// <summary>Epoch and version of the newest parameters received (version −1: none yet).</summary>
    public PolicyStamp Newest
    {
        get { lock (_newestLock) return new PolicyStamp(_newestEpoch, _newestVersion); }
    }
    /// <summary>Messages that failed validation (corrupt, other run): dropped and counted.</summary>
    public long Invalid => Interlocked.Read(ref _invalid);
    /// <summary>Versions that arrived after a newer one and were dropped.</summary>
    public long Stale => Interlocked.Read(ref _stale);
    public int Reconnects => Math.Max(0, Volatile.Read(ref _sessions) - 1);

    /// <summary>
    /// Copies the newest received parameters into <paramref name="destination"/> if they are newer than the last ones
    /// taken. Returns false when there is nothing newer.
    /// </summary>
    /// <exception cref="InvalidDataException">the learner's parameters have another layout: actor and learner disagree on the architecture</exception>
    public bool TryTakeNewest(ParameterLayout expected, Span<float> destination, out PolicyStamp stamp)
    {
        lock (_newestLock)
        {
            stamp = new PolicyStamp(_takenEpoch, _takenVersion);
            if (_newestVersion < 0 || Interlocked.Read(ref _arrivals) == _takenArrival) return false;
            var result = ParameterMessage.CopyParameters(_newest.AsSpan(0, _newestLength), _newestLayout, expected, destination);
            if (!result.IsValid) throw new InvalidDataException($"refusing policy version {_newestVersion}: {result.Message}");
            _takenArrival = Interlocked.Read(ref _arrivals);
            _takenEpoch = _newestEpoch;
            stamp = new PolicyStamp(_newestEpoch, _newestVersion);
            _takenVersion = _newestVersion;
            return true;
        }
    }

    /// <summary>
    /// Forgets the versions seen and says hello again, so the learner's latest parameters are taken even if their
    /// version is lower: after a learner restarts from a checkpoint it publishes versions below the ones its dead
    /// predecessor reached, which newest-wins would otherwise drop until it caught up. Harmless when nothing
    /// restarted: the answer is the version already held.
    /// </summary>
    public async Task ResyncAsync(CancellationToken cancellationToken)
    {
        lock (_newestLock)
        {
            _newestVersion = _takenVersion = -1;
            _newestEpoch = _takenEpoch = 0;
        }
        if (_channel is not { IsOpen: true } channel) return; // the loop says hello when it reconnects
        try { await channel.BasicPublishAsync("", _topology.HelloQueue, _hello.Written, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (BrokerConnection.IsTransient(e)) { }
    }

    /// <summary>Waits until a version newer than <paramref name="version"/> has arrived.</summary>
    public async Task WaitForNewerAsync(long version, CancellationToken cancellationToken)
    {
        while (NewestVersion <= version) await _arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the newest parameters received satisfy <paramref name="ready"/>.</summary>
    public async Task WaitForAsync(Func<PolicyStamp, bool> ready, CancellationToken cancellationToken)
    {
        while (!ready(Newest)) await _arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    Task SubscribeLoopAsync() => _broker.ReconnectLoopAsync(StartSessionAsync, e =>
    {
        _firstSession.TrySetException(e);
        _config.TrySetException(e);
        _finished.TrySetException(e);
    }, _stop.Token);

    async Task StartSessionAsync(IChannel channel, TaskCompletionSource closed)
    {
        await _topology.DeclareSharedAsync(channel, _stop.Token).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 1, global: false, _stop.Token).ConfigureAwait(false);
        var parameterQueue = await BrokerTopology.DeclarePrivateQueueAsync(channel, _topology.ParameterExchange, keepNewestOnly: true, _stop.Token)
            .ConfigureAwait(false);
        var controlQueue = await BrokerTopology.DeclarePrivateQueueAsync(channel, _topology.ControlExchange, keepNewestOnly: false, _stop.Token)
            .ConfigureAwait(false);
        var parameters = new AsyncEventingBasicConsumer(channel);
        parameters.ReceivedAsync += (_, delivery) => AckAfterAsync(channel, delivery, OnParameters, closed);
        var control = new AsyncEventingBasicConsumer(channel);
        control.ReceivedAsync += (_, delivery) => AckAfterAsync(channel, delivery, OnControl, closed);
        await channel.BasicConsumeAsync(parameterQueue, autoAck: false, parameters, _stop.Token).ConfigureAwait(false);
        await channel.BasicConsumeAsync(controlQueue, autoAck: false, control, _stop.Token).ConfigureAwait(false);
        // Only now, with both queues bound, can the learner's answer reach us.
        await channel.BasicPublishAsync("", _topology.HelloQueue, _hello.Written, _stop.Token).ConfigureAwait(false);
        _channel = channel;
        Interlocked.Increment(ref _sessions);
        _firstSession.TrySetResult();
    }

    async Task AckAfterAsync(IChannel channel, BasicDeliverEventArgs delivery, Action<ReadOnlyMemory<byte>> handle, TaskCompletionSource closed)
    {
        handle(delivery.Body);
        try { await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, _stop.Token).ConfigureAwait(false); }
        catch (Exception e) when (BrokerConnection.IsTransient(e) || e is OperationCanceledException) { closed.TrySetResult(); }
    }

    void OnParameters(ReadOnlyMemory<byte> body)
    {
        var message = body.Span;
        if (!ParameterMessage.Validate(message, _topology.Run, out PolicyStamp stamp, out var layout).IsValid)
        {
            Interlocked.Increment(ref _invalid);
            return;
        }
        var version = stamp.Version;
        lock (_newestLock)
        {
            if (stamp.Epoch == _newestEpoch && version <= _newestVersion)
            {
                Interlocked.Increment(ref _stale);
                return;
            }
            if (_newest.Length < message.Length) _newest = new byte[message.Length];
            message.CopyTo(_newest);
            _newestLength = message.Length;
            _newestLayout = layout;
            _newestEpoch = stamp.Epoch;
            Interlocked.Exchange(ref _newestVersion, version);
            Interlocked.Increment(ref _arrivals);
        }
        _arrived.Release();
    }

    void OnControl(ReadOnlyMemory<byte> body)
    {
        if (!ControlMessage.Decode(body.Span, _topology.Run, out var control).IsValid)
        {
            Interlocked.Increment(ref _invalid);
            return;
        }
        if (control.Kind == MessageKind.Config) _config.TrySetResult(control.Text);
        else if (control.Kind == MessageKind.Finished) _finished.TrySetResult(control.Text);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
