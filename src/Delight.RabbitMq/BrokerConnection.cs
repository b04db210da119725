using System.Diagnostics;
using System.Net.Sockets;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

using Delight.Distributed;

namespace Delight.RabbitMq;

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
    /// <summary>The first permanent refusal seen on this connection or any of its channels; every later open throws it.</summary>
    volatile BrokerException? _refused;

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
            throw new BrokerException($"'{BrokerUri.MaskPassword(options.Uri)}' is not a broker URI; expected amqp://user:password@host:port/vhost.");
        try
        {
            DisplayUri = BrokerUri.Display(options.Uri);
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
            throw new BrokerException($"'{BrokerUri.MaskPassword(options.Uri)}' is not a usable broker URI: {BrokerUri.MaskPassword(e.Message)}", e);
        }
    }

    /// <summary>The user name the URI logs in with (guest when it names none), for messages.</summary>
    public string UserName => _factory.UserName;
    /// <summary>The virtual host the URI names ("/" when it names none), for messages.</summary>
    public string VirtualHost => _factory.VirtualHost;

    /// <summary>
    /// How long the current retry may last: <see cref="BrokerOptions.StartupTimeout"/> until the first connection
    /// succeeded, <see cref="BrokerOptions.UnreachableTimeout"/> after.
    /// </summary>
    internal TimeSpan RetryLimit => _connects == 0 ? Options.StartupTimeout : Options.UnreachableTimeout;

    /// <summary>
    /// The <see cref="BrokerException"/> for <paramref name="e"/> if the broker refused permanently (see
    /// <see cref="BrokerReply"/>), else null. Remembered: from then on every open throws it, so every retry loop,
    /// including ones that only know <see cref="IsTransient"/>, stops at its next attempt.
    /// </summary>
    internal BrokerException? Refusal(Exception e)
    {
        if (e is BrokerException known) return known;
        return BrokerReply.PermanentReason(e) is { } reason ? Refuse(reason, e) : null;
    }

    BrokerException Refuse(ShutdownEventArgs reason, Exception? cause)
    {
        var refused = new BrokerException(BrokerReply.Describe(reason, DisplayUri, UserName, VirtualHost), cause) { ReplyCode = reason.ReplyCode };
        Interlocked.CompareExchange(ref _refused, refused, null);
        return _refused!;
    }

    /// <summary>Watches a channel or connection for a permanent close by the broker (see <see cref="Refusal"/>).</summary>
    Task OnShutdownAsync(object sender, ShutdownEventArgs reason)
    {
        if (BrokerReply.IsPermanent(reason)) Refuse(reason, null);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Opens a channel, reconnecting first if the connection is gone. Retries with backoff until
    /// <see cref="RetryLimit"/>, then throws <see cref="BrokerException"/>; throws it at once when the broker refused
    /// permanently (<see cref="Refusal"/>), now or earlier on any channel of this connection.
    /// </summary>
    /// <param name="publisherConfirms">await the broker's confirm inside every BasicPublishAsync (throws on nack)</param>
    public async Task<IChannel> OpenChannelAsync(bool publisherConfirms, CancellationToken cancellationToken)
    {
        var backoff = new Backoff(Options);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_refused is { } refused) throw refused;
            try
            {
                var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
                var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirms, publisherConfirms), cancellationToken).ConfigureAwait(false);
                channel.ChannelShutdownAsync += OnShutdownAsync;
                return channel;
            }
            catch (Exception e) when (Refusal(e) is { } permanent) { throw permanent; }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (waited.Elapsed > RetryLimit) throw Unreachable(e);
                await backoff.DelayAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One attempt, no retry, for best-effort work (the learner's status): a channel if the connection is open or can
    /// be opened now, else null. While the connection is down after having been up, it does not even try: the roles'
    /// own loops are re-opening it, and a best-effort caller should not stall behind them.
    /// </summary>
    /// <exception cref="BrokerException">the broker refused permanently</exception>
    internal async Task<IChannel?> TryOpenChannelOnceAsync(CancellationToken cancellationToken)
    {
        if (_refused is { } refused) throw refused;
        if (_connects > 0 && _connection is not { IsOpen: true }) return null;
        try
        {
            var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            channel.ChannelShutdownAsync += OnShutdownAsync;
            return channel;
        }
        catch (Exception e) when (Refusal(e) is { } permanent) { throw permanent; }
        catch (Exception e) when (IsTransient(e)) { return null; }
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
                var refused = new BrokerException(
                    $"the broker at {DisplayUri} refused the login of user '{UserName}': {Innermost(e).Message.Trim().TrimEnd('.')}; check the user name and password in the broker URI.", e)
                    { ReplyCode = Constants.AccessRefused };
                Interlocked.CompareExchange(ref _refused, refused, null);
                throw refused;
            }
            _connection.ConnectionShutdownAsync += OnShutdownAsync;
            _connects++;
            return _connection;
        }
        finally { _gate.Release(); }
    }

    /// <summary>The one-line error for a broker that stayed unreachable.</summary>
    internal BrokerException Unreachable(Exception last) => _connects == 0
        ? new($"cannot reach the broker at {DisplayUri} within the start-up deadline of {Options.StartupTimeout.TotalSeconds:0.#} s: {BrokerUri.MaskPassword(Innermost(last).Message)}; is the broker running, and are host and port right?", last)
        : new($"cannot reach the broker at {DisplayUri} after {Options.UnreachableTimeout.TotalSeconds:0.#} s: {BrokerUri.MaskPassword(Innermost(last).Message)}", last);

    /// <summary>
    /// Failures that a reconnect might cure: the broker went away, restarted, or refused for now. A permanent
    /// refusal also passes (so that every loop's transient path, which reopens its channel, is where it stops): the
    /// reopen throws the <see cref="BrokerException"/> that <see cref="Refusal"/> remembered.
    /// </summary>
    internal static bool IsTransient(Exception e) => e is AlreadyClosedException or OperationInterruptedException
        or BrokerUnreachableException or ConnectFailureException or PublishException or SocketException or IOException
        or ObjectDisposedException or TimeoutException or ChannelAllocationException or PossibleAuthenticationFailureException
        || (e is OperationCanceledException && e.InnerException is TimeoutException);

    /// <summary>
    /// The broker said ACCESS_REFUSED to the login. Not <see cref="PossibleAuthenticationFailureException"/>: that is a
    /// connection closed during the handshake, which a broker still starting up (a restart) does too; it is retried.
    /// </summary>
    static bool IsAuthenticationFailure(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
            if (x is AuthenticationFailureException) return true;
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
            catch (Exception e) when (Refusal(e) is { } permanent)
            {
                fatal(permanent);
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
