using RabbitMQ.Client;
using RabbitMQ.Client.Events;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Learner side of the way back to the actors. PublishAsync broadcasts a policy version on
/// <c>delight.&lt;run&gt;.params</c>; the config and the finished signal go on <c>delight.&lt;run&gt;.control</c>. The
/// newest parameters and the config are kept encoded, and re-broadcast (1) whenever an actor says hello on
/// <c>delight.&lt;run&gt;.hello</c> and (2) after every (re)connect of the learner. A late-joining actor, or one whose
/// private queues vanished with a broker restart, therefore catches up without periodic re-sends of a large buffer.
/// </summary>
public sealed class ParameterPublisher : IAsyncDisposable
{
    readonly BrokerConnection _broker;
    readonly BrokerTopology _topology;
    readonly ConfirmedPublisher _publisher;
    readonly SemaphoreSlim _publishGate = new(1, 1);
    readonly MessageBuffer _config = new();
    readonly MessageBuffer _latest = new();
    readonly MessageBuffer _finished = new();
    readonly BasicProperties _properties = new() { ContentType = "application/x-delight" };
    readonly SemaphoreSlim _rebroadcastRequests = new(0);
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource _firstSession = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Task _helloLoop = Task.CompletedTask, _rebroadcastLoop = Task.CompletedTask;
    long _hellos, _rebroadcasts;

    ParameterPublisher(BrokerConnection broker, BrokerTopology topology, string configJson)
    {
        _broker = broker;
        _topology = topology;
        _publisher = new ConfirmedPublisher(broker, topology);
        ControlMessage.Encode(topology.Run, MessageKind.Config, 0, configJson, _config);
    }

    /// <summary>Declares the topology, broadcasts the config, and starts answering hellos.</summary>
    public static async Task<ParameterPublisher> StartAsync(BrokerConnection broker, BrokerTopology topology, string configJson,
        CancellationToken cancellationToken = default)
    {
        var publisher = new ParameterPublisher(broker, topology, configJson);
        publisher._rebroadcastLoop = Task.Run(publisher.RebroadcastLoopAsync);
        publisher._helloLoop = Task.Run(publisher.HelloLoopAsync);
        await publisher._firstSession.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return publisher;
    }

    /// <summary>Newest version published, or −1.</summary>
    public long LatestVersion { get; private set; } = -1;
    public bool IsFinished { get; private set; }
    public long HellosAnswered => Interlocked.Read(ref _hellos);
    public long Rebroadcasts => Interlocked.Read(ref _rebroadcasts);

    /// <summary>Broadcasts version <paramref name="version"/> (must increase) and keeps it for late joiners.</summary>
    public Task PublishAsync(long version, ParameterLayout layout, ReadOnlyMemory<float> parameters, CancellationToken cancellationToken) =>
        PublishAsync(new PolicyStamp(0, version), layout, parameters, cancellationToken);

    /// <summary>As above, stamped with the learner's epoch.</summary>
    public async Task PublishAsync(PolicyStamp stamp, ParameterLayout layout, ReadOnlyMemory<float> parameters, CancellationToken cancellationToken)
    {
        var version = stamp.Version;
        await _publishGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (version <= LatestVersion)
                throw new ArgumentOutOfRangeException(nameof(version), $"version {version} is not newer than the published {LatestVersion}.");
            ParameterMessage.Encode(_topology.Run, stamp, layout, parameters.Span, _latest);
            LatestVersion = version;
            await _publisher.PublishAsync(_topology.ParameterExchange, "", mandatory: false, _properties, _latest.Written, cancellationToken)
                .ConfigureAwait(false);
        }
        finally { _publishGate.Release(); }
    }

    /// <summary>Tells every actor (and every later hello) that the run is over.</summary>
    public async Task PublishFinishedAsync(string reason, CancellationToken cancellationToken)
    {
        await _publishGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ControlMessage.Encode(_topology.Run, MessageKind.Finished, 0, reason, _finished);
            IsFinished = true;
            await _publisher.PublishAsync(_topology.ControlExchange, "", mandatory: false, _properties, _finished.Written, cancellationToken)
                .ConfigureAwait(false);
        }
        finally { _publishGate.Release(); }
    }

    async Task RebroadcastLoopAsync()
    {
        try
        {
            while (true)
            {
                await _rebroadcastRequests.WaitAsync(_stop.Token).ConfigureAwait(false);
                // Several hellos in a burst (a fleet starting) need one answer.
                while (_rebroadcastRequests.CurrentCount > 0) await _rebroadcastRequests.WaitAsync(_stop.Token).ConfigureAwait(false);
                await _publishGate.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    await _publisher.PublishAsync(_topology.ControlExchange, "", false, _properties, _config.Written, _stop.Token).ConfigureAwait(false);
                    if (LatestVersion >= 0)
                        await _publisher.PublishAsync(_topology.ParameterExchange, "", false, _properties, _latest.Written, _stop.Token).ConfigureAwait(false);
                    if (IsFinished)
                        await _publisher.PublishAsync(_topology.ControlExchange, "", false, _properties, _finished.Written, _stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _rebroadcasts);
                }
                finally { _publishGate.Release(); }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (BrokerException e) { _firstSession.TrySetException(e); }
    }

    Task HelloLoopAsync() => _broker.ReconnectLoopAsync(StartHelloSessionAsync, e => _firstSession.TrySetException(e), _stop.Token);

    async Task StartHelloSessionAsync(IChannel channel, TaskCompletionSource closed)
    {
        await _topology.DeclareSharedAsync(channel, _stop.Token).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Interlocked.Increment(ref _hellos);
            _rebroadcastRequests.Release();
            try { await channel.BasicAckAsync(delivery.DeliveryTag, false, _stop.Token).ConfigureAwait(false); }
            catch (Exception e) when (BrokerConnection.IsTransient(e) || e is OperationCanceledException) { closed.TrySetResult(); }
        };
        await channel.BasicConsumeAsync(_topology.HelloQueue, autoAck: false, consumer, _stop.Token).ConfigureAwait(false);
        // Every (re)connect: actors' private queues may be new, so send them what they missed.
        _rebroadcastRequests.Release();
        _firstSession.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_helloLoop, _rebroadcastLoop).ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
