using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>How to reach the broker and how hard to try.</summary>
/// <param name="Uri">amqp://user:password@host:port/vhost (amqps:// for TLS).</param>
public sealed record BrokerOptions(string Uri)
{
    /// <summary>
    /// How long to keep retrying a connection (first connect or reconnect) before failing with
    /// <see cref="BrokerException"/>. Default 60 s: long enough to ride out a broker restart, short enough that a
    /// typo in a host name is reported within a minute.
    /// </summary>
    public TimeSpan UnreachableTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// How long the first connection may take, retries included, before failing with <see cref="BrokerException"/>.
    /// Default 30 s: a learner and its actors may start a little before the broker, but a wrong host or port at start
    /// is a typo to report, not an outage to ride out.
    /// </summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>First retry delay; doubled after each failure (with ±25% jitter so actors do not reconnect in lockstep).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Cap on the retry delay. Default 5 s: a restarted broker is found within 5 s of coming back.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>AMQP heartbeat. Default 10 s, so a broker that vanishes without closing sockets is noticed in ~20 s.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Shown in the broker's management UI, e.g. "delight-actor-3f2a".</summary>
    public string ClientName { get; init; } = "delight";

    /// <summary>Records print their members; this one must not print the password.</summary>
    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Uri = {BrokerUri.MaskPassword(Uri)}, StartupTimeout = {StartupTimeout}, UnreachableTimeout = {UnreachableTimeout}, ")
            .Append($"InitialBackoff = {InitialBackoff}, MaxBackoff = {MaxBackoff}, Heartbeat = {Heartbeat}, ClientName = {ClientName}");
        return true;
    }
}
