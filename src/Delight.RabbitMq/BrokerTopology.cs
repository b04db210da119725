using RabbitMQ.Client;

using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// The queues and exchanges of one run, all named <c>delight.&lt;run&gt;.*</c>. Every role declares the shared part on
/// each (re)connect (declares are idempotent with identical arguments), so start order does not matter and a broker
/// that lost its state is rebuilt by whoever comes back first.
/// <list type="bullet">
/// <item><c>delight.&lt;run&gt;.rollouts</c>: durable queue, actor → learner; its dead-letter exchange is <c>delight.&lt;run&gt;.dead</c>.</item>
/// <item><c>delight.&lt;run&gt;.dead</c>: durable fanout exchange and durable queue of refused rollouts, each with
/// <c>x-delight-reason</c>; capped at <see cref="DeadLetterCapacity"/> (oldest dropped) so a broken actor cannot fill the disk.</item>
/// <item><c>delight.&lt;run&gt;.params</c>: fanout exchange, learner → actors; each actor binds its own exclusive queue
/// of length 1 (drop-head), so the broker itself keeps only the newest version for a slow actor.</item>
/// <item><c>delight.&lt;run&gt;.control</c>: fanout exchange, learner → actors: config and finished.</item>
/// <item><c>delight.&lt;run&gt;.hello</c>: durable queue, actor → learner: a joining actor's request for the config and the
/// latest parameters, answered by re-broadcasting both. Hellos expire after <see cref="HelloTimeToLive"/>: the learner
/// broadcasts on its own start anyway.</item>
/// <item><c>delight.&lt;run&gt;.credits</c>: durable queue, learner → actors: one persistent message per batch the learner
/// wants sampled (flow control). An actor holds one credit unacknowledged while it samples and acks it once its rollout
/// is confirmed, so a credit held by an actor that dies goes back to the queue for another.</item>
/// </list>
/// </summary>
public sealed class BrokerTopology(RunName run)
{
    public const int DeadLetterCapacity = 10_000;
    public static readonly TimeSpan HelloTimeToLive = TimeSpan.FromSeconds(60);
    /// <summary>Header naming why a rollout was dead-lettered (<see cref="RejectReasons.WireName"/>).</summary>
    public const string ReasonHeader = "x-delight-reason";
    /// <summary>Header with the one-line human explanation.</summary>
    public const string DetailHeader = "x-delight-detail";

    public RunName Run { get; } = run;
    public string RolloutQueue { get; } = $"delight.{run}.rollouts";
    public string DeadLetterExchange { get; } = $"delight.{run}.dead";
    public string DeadLetterQueue { get; } = $"delight.{run}.dead";
    public string ParameterExchange { get; } = $"delight.{run}.params";
    public string ControlExchange { get; } = $"delight.{run}.control";
    public string HelloQueue { get; } = $"delight.{run}.hello";
    public string CreditQueue { get; } = $"delight.{run}.credits";

    public async Task DeclareSharedAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-max-length"] = DeadLetterCapacity, ["x-overflow"] = "drop-head" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, routingKey: "", cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(RolloutQueue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-dead-letter-exchange"] = DeadLetterExchange },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(ParameterExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(ControlExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(HelloQueue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-message-ttl"] = (int)HelloTimeToLive.TotalMilliseconds },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(CreditQueue, durable: true, exclusive: false, autoDelete: false,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An actor's private queue on <paramref name="exchange"/>: server-named, exclusive, gone with the connection.</summary>
    /// <param name="keepNewestOnly">cap at one ready message, dropping the oldest (parameters: newest wins at the broker)</param>
    internal static async Task<string> DeclarePrivateQueueAsync(IChannel channel, string exchange, bool keepNewestOnly, CancellationToken cancellationToken)
    {
        var arguments = keepNewestOnly ? new Dictionary<string, object?> { ["x-max-length"] = 1, ["x-overflow"] = "drop-head" } : null;
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, arguments,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue.QueueName, exchange, routingKey: "", cancellationToken: cancellationToken).ConfigureAwait(false);
        return queue.QueueName;
    }
}
