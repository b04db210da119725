namespace Delight.Distributed;

/// <summary>
/// The learner's side of a distributed run's transport: what <see cref="RemoteLearnerRuntime"/> needs from a message
/// engine, and nothing about which one. An implementation delivers rollouts at least once and keeps every one it
/// delivered until the learner's decision on it is committed (after a checkpoint that holds the decision), so a learner
/// crash loses none. All members are called from the learner's thread; the implementation may receive on its own.
/// </summary>
public interface ILearnerTransport : IAsyncDisposable
{
    /// <summary>Waits for the next rollout that decoded and passed the learner's <see cref="RolloutCheck"/> (duplicates dropped).</summary>
    /// <exception cref="BrokerException">the engine stayed unreachable; the transport has stopped</exception>
    ValueTask<ReceivedRollout> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The learner applied <paramref name="received"/>; recorded now, made final by <see cref="CommitAsync"/>. The
    /// verdict hands <paramref name="received"/> back: the transport may refill it at once, so read nothing from it after.
    /// </summary>
    ValueTask AcceptAsync(ReceivedRollout received);

    /// <summary>
    /// The learner refused <paramref name="received"/> for <paramref name="reason"/>; dead-lettered with
    /// <paramref name="detail"/> at <see cref="CommitAsync"/>. Hands <paramref name="received"/> back, as <see cref="AcceptAsync"/> does.
    /// </summary>
    ValueTask RejectAsync(ReceivedRollout received, RejectReason reason, string detail);

    /// <summary>Decisions recorded and not yet committed (the learner checkpoints when too many wait).</summary>
    int Pending { get; }

    /// <summary>Makes every recorded decision final (acknowledge, dead-letter): called after a checkpoint that holds them.</summary>
    Task CommitAsync();

    /// <summary>Every decision the engine may not have acted on yet; a checkpoint saves these (<see cref="LearnerTransportOptions.Decided"/> restores them).</summary>
    List<RolloutDecision> Decisions();

    /// <summary>The duplicate filter for a checkpoint (<see cref="LearnerTransportOptions.Seen"/> restores it).</summary>
    string SaveSeen();

    /// <summary>Publishes the learner's parameters to every actor; newer ones replace older ones (actors keep only the newest).</summary>
    Task PublishParametersAsync(PolicyStamp stamp, ParameterLayout layout, ReadOnlyMemory<float> parameters, CancellationToken cancellationToken);

    /// <summary>Starts flow control for a new learner epoch: voids older credits and grants <paramref name="count"/>, each asking for parameters at least <paramref name="minVersion"/>.</summary>
    Task ResetCreditsAsync(ulong epoch, int count, long minVersion, CancellationToken cancellationToken);

    /// <summary>A rollout answering credit <paramref name="creditId"/> was consumed: grants one in its place.</summary>
    Task ReplaceCreditAsync(ulong creditId, long minVersion, CancellationToken cancellationToken);

    /// <summary>The run is over: takes back the credits no actor holds yet.</summary>
    Task WithdrawCreditsAsync(CancellationToken cancellationToken);

    /// <summary>Tells every actor, running or joining later, that the run is over and why.</summary>
    Task PublishFinishedAsync(string reason, CancellationToken cancellationToken);

    /// <summary>Leaves the learner's status where <c>delight status</c> reads it (the newest replaces the last).</summary>
    Task PublishStatusAsync(LearnerStatus status, CancellationToken cancellationToken);
}

/// <summary>What a learner transport needs to know when it connects.</summary>
/// <param name="ConfigJson">the run's resolved options (config.json's format), sent to every actor that says hello</param>
/// <param name="Check">the learner's rules: a rollout that breaks them is dead-lettered on arrival, never received</param>
public sealed record LearnerTransportOptions(string ConfigJson, RolloutCheck Check)
{
    /// <summary>Rollouts delivered and not yet committed that the engine may hold: the commit interval plus what is in flight.</summary>
    public required int MaxUncommitted { get; init; }

    /// <summary>The run admits one learner: when another holds it, wait this long (a crashed one takes a heartbeat to drop), then refuse.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Told of every message refused on arrival (invalid, foreign, unusable by the method), from the transport's thread.</summary>
    public Action<RejectReason>? OnInvalid { get; init; }

    /// <summary>Decisions a restored checkpoint holds (<see cref="ILearnerTransport.Decisions"/>): redeliveries of these are acted on, not received.</summary>
    public IReadOnlyDictionary<RolloutOrigin, RejectReason>? Decided { get; init; }

    /// <summary>The duplicate filter a restored checkpoint holds (<see cref="ILearnerTransport.SaveSeen"/>).</summary>
    public string? Seen { get; init; }
}
