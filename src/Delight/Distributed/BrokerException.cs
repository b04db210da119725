namespace Delight.Distributed;

/// <summary>
/// A broker problem the caller cannot retry away: a malformed URI, refused credentials, a permanent refusal by the
/// broker (see <see cref="BrokerReply"/>), or a broker unreachable for longer than
/// <see cref="BrokerOptions.StartupTimeout"/> (first connection) or <see cref="BrokerOptions.UnreachableTimeout"/>
/// (reconnect). The message is one line naming the broker URI (password removed), fit to print as the CLI's error.
/// </summary>
public sealed class BrokerException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The AMQP reply code when the broker refused (403, 406, 530, …); null for other failures.</summary>
    public int? ReplyCode { get; init; }
}
