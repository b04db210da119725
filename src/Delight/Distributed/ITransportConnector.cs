namespace Delight.Distributed;

/// <summary>
/// One message engine's way into a distributed run: the CLI chooses the engine by the connector it builds (today
/// <c>Delight.RabbitMq.RabbitMqConnector</c>), and the learner and actors see only the two transports it connects.
/// </summary>
public interface ITransportConnector
{
    /// <summary>Where the engine is, fit to print (no password).</summary>
    string Address { get; }

    /// <summary>
    /// Connects the run's learner: reaches the engine, takes the run (a second learner is refused after
    /// <see cref="LearnerTransportOptions.LockWait"/>), and starts receiving. Everything a bad address, credentials
    /// or a held run can fail on fails here, before the learner writes anything.
    /// </summary>
    /// <exception cref="BrokerException">the engine refused, or stayed unreachable past its start-up deadline</exception>
    Task<ILearnerTransport> ConnectLearnerAsync(RunName run, LearnerTransportOptions options, CancellationToken cancellationToken);

    /// <summary>Connects an actor and says hello, so the learner sends it the config and its newest parameters.</summary>
    /// <exception cref="BrokerException">the engine refused, or stayed unreachable past its start-up deadline</exception>
    Task<IActorTransport> ConnectActorAsync(RunName run, ulong actorId, CancellationToken cancellationToken);
}
