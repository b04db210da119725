using Delight.Distributed;

namespace Delight.RabbitMq;

/// <summary>
/// The RabbitMQ engine of a distributed run: connects a learner (<see cref="RabbitMqLearnerTransport"/>) or an actor
/// (<see cref="RabbitMqActorTransport"/>) to the broker at <see cref="BrokerOptions.Uri"/>, each on its own connection
/// named after its role. The queues are <see cref="BrokerTopology"/>'s.
/// </summary>
public sealed class RabbitMqConnector(BrokerOptions broker) : ITransportConnector
{
    public BrokerOptions Broker { get; } = broker;

    public string Address => BrokerUri.Display(Broker.Uri);

    public Task<ILearnerTransport> ConnectLearnerAsync(RunName run, LearnerTransportOptions options, CancellationToken cancellationToken) =>
        RabbitMqLearnerTransport.ConnectAsync(Broker, run, options, cancellationToken);

    public Task<IActorTransport> ConnectActorAsync(RunName run, ulong actorId, CancellationToken cancellationToken) =>
        RabbitMqActorTransport.ConnectAsync(Broker, run, actorId, cancellationToken);

    public override string ToString() => Address;
}
