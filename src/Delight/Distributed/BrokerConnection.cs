using System.Diagnostics;
using System.Net.Sockets;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Delight.Distributed;

/// <summary>
/// One AMQP connection per process, re-opened on demand with exponential backoff. The client's own automatic recovery
/// is off on purpose: each role (sender, receiver, publisher, subscriber) re-opens its channels and re-declares its
/// topology in its own loop, so what happens after a broker restart is visible in this folder rather than implied by
/// library settings, and retries back off exponentially instead of at a fixed interval.
/// </summary>
public sealed class BrokerConnection : IAsyncDisposable
{
    readonly ConnectionFactory _factory;
    readonly SemaphoreSlim _gate = new(1, 1);
    IConnection? _connection;
    int _connects;

    public BrokerOptions Options { get; }
    /// <summary>The broker URI without its password, for messages and logs.</summary>
    public string DisplayUri { get; }
    /// <summary>Connections opened after the first: one per broker restart or network failure survived.</summary>
    public int Reconnects => Math.Max(0, _connects - 1);

    /// <exception cref="BrokerException">the URI is not an amqp:// or amqps:// URI</exception>
    public BrokerConnection(BrokerOptions options)
    {
        Options = options;
        if (!System.Uri.TryCreate(options.Uri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || uri.Host.Length == 0)
            throw new BrokerException($"'{options.Uri}' is not a broker URI; expected amqp://user:password@host:port/vhost.");
        DisplayUri = new UriBuilder(uri) { Password = uri.UserInfo.Contains(':') ? "***" : "" }.Uri.ToString();
        try
        {
            _factory = new ConnectionFactory
            {
                Uri = uri,
                AutomaticRecoveryEnabled = false,
                TopologyRecoveryEnabled = false,
                RequestedHeartbeat = options.Heartbeat,
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
                ClientProvidedName = options.ClientName,
            };
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            throw new BrokerException($"'{DisplayUri}' is not a usable broker URI: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens a channel, reconnecting first if the connection is gone. Retries with backoff until
    /// <see cref="BrokerOptions.UnreachableTimeout"/>, then throws <see cref="BrokerException"/>.
    /// </summary>
    /// <param name="publisherConfirms">await the broker's confirm inside every BasicPublishAsync (throws on nack)</param>
    public async Task<IChannel> OpenChannelAsync(bool publisherConfirms, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(Options);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
                return await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirms, publisherConfirms), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (waited.Elapsed > Options.UnreachableTimeout) throw Unreachable(e);
                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open) return open;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true } reopened) return reopened;
            if (_connection is { } dead) await DisposeQuietlyAsync(dead).ConfigureAwait(false);
            _connection = null;
            try
            {
                _connection = await _factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsAuthenticationFailure(e))
            {
                throw new BrokerException($"the broker at {DisplayUri} refused the credentials: {Innermost(e).Message}", e);
            }
            _connects++;
            return _connection;
        }
        finally { _gate.Release(); }
    }

    /// <summary>The one-line error for a broker that stayed unreachable.</summary>
    internal BrokerException Unreachable(Exception last) => new(
        $"cannot reach the broker at {DisplayUri} after {Options.UnreachableTimeout.TotalSeconds:0.#} s: {Innermost(last).Message}", last);

    /// <summary>Failures that a reconnect can cure: the broker went away, restarted, or refused for now.</summary>
    internal static bool IsTransient(Exception e) => e is AlreadyClosedException or OperationInterruptedException
        or BrokerUnreachableException or ConnectFailureException or PublishException or SocketException or IOException
        or ObjectDisposedException or TimeoutException or ChannelAllocationException
        || (e is OperationCanceledException && e.InnerException is TimeoutException);

    static bool IsAuthenticationFailure(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
            if (x is AuthenticationFailureException or PossibleAuthenticationFailureException) return true;
        return false;
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }

    /// <summary>A signal that completes when <paramref name="channel"/> shuts down: the end of one session.</summary>
    internal static TaskCompletionSource ClosedSignal(IChannel channel)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.ChannelShutdownAsync += (_, _) =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed;
    }

    /// <summary>
    /// Runs sessions until <paramref name="stop"/>: open a channel, let <paramref name="startSession"/> declare and
    /// consume on it, wait for the channel to close, back off and repeat. A transient failure reconnects; a
    /// <see cref="BrokerException"/> (the broker unreachable past the timeout, bad credentials) goes to
    /// <paramref name="fatal"/> and ends the loop.
    /// </summary>
    internal async Task ReconnectLoopAsync(Func<IChannel, TaskCompletionSource, Task> startSession, Action<BrokerException> fatal, CancellationToken stop)
    {
        var backoff = new Backoff(Options);
        while (!stop.IsCancellationRequested)
        {
            IChannel? channel = null;
            try
            {
                channel = await OpenChannelAsync(publisherConfirms: false, stop).ConfigureAwait(false);
                var closed = ClosedSignal(channel);
                await startSession(channel, closed).ConfigureAwait(false);
                backoff = new Backoff(Options);
                await closed.Task.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            catch (BrokerException e)
            {
                fatal(e);
                return;
            }
            catch (Exception e) when (IsTransient(e))
            {
                try { await backoff.DelayAsync(stop).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
            finally { await DisposeQuietlyAsync(channel).ConfigureAwait(false); }
        }
    }

    internal static async Task DisposeQuietlyAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null) return;
        try { await disposable.DisposeAsync().ConfigureAwait(false); }
        catch (Exception e) when (IsTransient(e)) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            try { await connection.CloseAsync().ConfigureAwait(false); }
            catch (Exception e) when (IsTransient(e)) { }
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
        }
        _gate.Dispose();
    }
}
