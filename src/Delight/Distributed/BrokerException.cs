namespace Delight.Distributed;

/// <summary>
/// A transport problem the caller cannot retry away: a malformed broker URI, refused credentials, a permanent refusal
/// by the broker (for RabbitMQ see <c>Delight.RabbitMq.BrokerReply</c>), a broker unreachable for longer than its
/// start-up or reconnect deadline, or a learner that stopped answering an actor. Every transport throws it, and the
/// learner and actors raise it themselves. The message is one line naming the broker (password removed), fit to print
/// as the CLI's error.
/// </summary>
public sealed class BrokerException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The AMQP reply code when the broker refused (403, 406, 530, …); null for other failures.</summary>
    public int? ReplyCode { get; init; }
}
