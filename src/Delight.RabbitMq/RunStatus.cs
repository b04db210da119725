using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// An operator's view of one run, read from the broker alone (no learner has to answer): the depths of the run's
/// queues, the actors connected, and the learner's last <see cref="LearnerStatus"/>. What <c>delight status</c> prints.
/// </summary>
/// <param name="Broker">the broker URI without its password</param>
/// <param name="Credits">the queue through which the learner grants actors credits; its consumers are the connected actors</param>
/// <param name="Learner">null: no learner has published a status for this run yet</param>
public sealed record RunStatus(string Run, string Broker, DateTime TimeUtc, QueueProbe Rollouts, QueueProbe DeadLetters,
    QueueProbe Hello, QueueProbe Credits, LearnerStatus? Learner)
{
    /// <summary>The credit queue of a run; <see cref="BrokerTopology"/> declares it when the learner grants credits.</summary>
    public static string CreditQueueName(RunName run) => $"delight.{run}.credits";

    /// <summary>Actors consuming credits now, or null (unknown) when the run has no credit queue.</summary>
    public int? ConnectedActors => Credits.Exists ? (int)Credits.Consumers : null;

    /// <summary>Seconds since the learner wrote its status, by this machine's clock (clocks across machines may differ a little).</summary>
    public double? LearnerStatusAgeSeconds => Learner is null ? null : Math.Max(0, (TimeUtc - Learner.TimeUtc).TotalSeconds);

    /// <summary>Reads everything with passive declares and a non-destructive peek: creates nothing, consumes nothing.</summary>
    public static async Task<RunStatus> ReadAsync(BrokerConnection broker, RunName run, CancellationToken cancellationToken)
    {
        var topology = new BrokerTopology(run);
        var rollouts = await QueueProbe.PassiveAsync(broker, topology.RolloutQueue, cancellationToken).ConfigureAwait(false);
        var deadLetters = await QueueProbe.PassiveAsync(broker, topology.DeadLetterQueue, cancellationToken).ConfigureAwait(false);
        var hello = await QueueProbe.PassiveAsync(broker, topology.HelloQueue, cancellationToken).ConfigureAwait(false);
        var credits = await QueueProbe.PassiveAsync(broker, CreditQueueName(run), cancellationToken).ConfigureAwait(false);
        await using var board = new StatusBoard(broker, run);
        var learner = await board.PeekAsync(cancellationToken).ConfigureAwait(false);
        return new RunStatus(run.Value, broker.DisplayUri, DateTime.UtcNow, rollouts, deadLetters, hello, credits, learner);
    }
}
