using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// Which broker replies no retry can cure, and the one-line message for each. The broker closes a connection or a
/// channel with an AMQP reply code; these mean the broker will say the same thing next time:
/// <list type="bullet">
/// <item>403 ACCESS_REFUSED: bad login, or the user lacks a permission on a queue or exchange, or a resource is in exclusive use;</item>
/// <item>402 INVALID_PATH, 530 NOT_ALLOWED, and 404 NOT_FOUND on connection.open: the virtual host is missing or closed to the user;</item>
/// <item>405 RESOURCE_LOCKED: another connection holds an exclusive queue;</item>
/// <item>406 PRECONDITION_FAILED: a queue or exchange exists with other arguments (and the like).</item>
/// </list>
/// Not permanent: 404 on a channel (a queue or exchange deleted: the reconnect re-declares it), 320 CONNECTION_FORCED
/// (a broker shutting down), 530 "vhost is down" (a broker restarting), two 406s a new channel cures: an unknown delivery tag (an ack for a closed channel's
/// delivery) and the consumer acknowledgement timeout (the broker requeues the deliveries); and 403 "in exclusive use"
/// on a consume: the holder may be a predecessor whose dead connection the broker has not noticed yet, so the
/// consumer that asked for exclusivity (the learner) decides how long to wait and what to say.
/// </summary>
static class BrokerReply
{
    const ushort ConnectionClassId = 10;

    /// <summary>The broker's close reason behind <paramref name="e"/> if it is permanent, else null.</summary>
    public static ShutdownEventArgs? PermanentReason(Exception? e) => e switch
    {
        null => null,
        OperationInterruptedException { ShutdownReason: { } reason } when IsPermanent(reason) => reason,
        AggregateException all => all.InnerExceptions.Select(PermanentReason).FirstOrDefault(r => r is not null),
        _ => PermanentReason(e.InnerException),
    };

    public static bool IsPermanent(ShutdownEventArgs reason)
    {
        if (reason.Initiator != ShutdownInitiator.Peer) return false;
        return reason.ReplyCode switch
        {
            Constants.AccessRefused => !IsExclusiveUse(reason),
            // "vhost '/' is down": a restarting broker that accepts connections before its vhost is up.
            Constants.NotAllowed => !reason.ReplyText.Contains("is down", StringComparison.OrdinalIgnoreCase),
            Constants.InvalidPath or Constants.ResourceLocked => true,
            Constants.NotFound => reason.ClassId == ConnectionClassId,
            Constants.PreconditionFailed => !reason.ReplyText.Contains("delivery tag", StringComparison.OrdinalIgnoreCase)
                && !reason.ReplyText.Contains("timed out", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    static bool IsExclusiveUse(ShutdownEventArgs reason) => reason.ReplyText.Contains("exclusive use", StringComparison.OrdinalIgnoreCase);

    /// <summary>One line: who refused, the broker's own words, and what to do about it.</summary>
    public static string Describe(ShutdownEventArgs reason, string displayUri, string user, string virtualHost) =>
        $"the broker at {displayUri} refused: {reason.ReplyCode} {reason.ReplyText.Trim().TrimEnd('.')}; {Fix(reason, user, virtualHost)}";

    /// <summary>The likely fix for a permanent refusal, with the command an operator would type.</summary>
    static string Fix(ShutdownEventArgs reason, string user, string virtualHost)
    {
        var text = reason.ReplyText;
        var vhostArgument = virtualHost == "/" ? "" : $"-p '{virtualHost}' ";
        if (reason.ReplyCode == Constants.AccessRefused && text.Contains("login", StringComparison.OrdinalIgnoreCase))
            return $"check the user name and password in the broker URI (rabbitmqctl authenticate_user '{user}' PASSWORD tests them).";
        if (text.Contains("not found", StringComparison.OrdinalIgnoreCase) && text.Contains("vhost", StringComparison.OrdinalIgnoreCase))
            return $"create the virtual host (rabbitmqctl add_vhost '{virtualHost}') or fix the path of the broker URI.";
        if (reason.ReplyCode is Constants.NotAllowed or Constants.InvalidPath or Constants.NotFound)
            return $"user '{user}' has no access to vhost '{virtualHost}': rabbitmqctl set_permissions {vhostArgument}'{user}' '.*' '.*' '.*'.";
        if (reason.ReplyCode == Constants.AccessRefused)
            return $"user '{user}' lacks a permission in vhost '{virtualHost}': rabbitmqctl set_permissions {vhostArgument}'{user}' '.*' '.*' '.*'.";
        if (reason.ReplyCode == Constants.ResourceLocked)
            return "another connection holds that queue exclusively: is another learner of this run running? Stop it, or use another --run.";
        if (text.Contains("inequivalent arg", StringComparison.OrdinalIgnoreCase))
            return Regex.Match(text, "for queue '([^']+)'") is { Success: true } queue
                ? $"the queue exists with other settings (left by another version of delight, or made by hand); delete it (rabbitmqctl delete_queue {vhostArgument}'{queue.Groups[1].Value}') or use another --run."
                : $"the exchange exists with other settings (left by another version of delight, or made by hand); delete it (rabbitmqadmin delete exchange name=NAME) or use another --run.";
        return "the broker will refuse this again; fix the cause it names.";
    }
}
