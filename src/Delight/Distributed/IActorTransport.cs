namespace Delight.Distributed;

/// <summary>
/// An actor's side of a distributed run's transport: what <see cref="RemoteActor"/> needs from a message engine. The
/// learner's config and its end, credits (one batch each), the newest parameters, and confirmed sending of rollouts.
/// </summary>
public interface IActorTransport : IAsyncDisposable
{
    /// <summary>The learner's resolved options as JSON (config.json's format), once a learner has answered.</summary>
    Task<string> ConfigAsync(CancellationToken cancellationToken);

    /// <summary>Completes with the learner's reason when the run is over; faults with <see cref="BrokerException"/> when the engine is lost.</summary>
    Task<string> Finished { get; }

    /// <summary>Waits for the learner's next credit. An actor that dies holding one never completes it, so it goes to another actor.</summary>
    /// <exception cref="BrokerException">the engine stayed unreachable</exception>
    Task<HeldCredit> TakeCreditAsync(CancellationToken cancellationToken);

    /// <summary>The credit is answered (its rollout confirmed) or void: it is used up.</summary>
    Task CompleteCreditAsync(HeldCredit credit, CancellationToken cancellationToken);

    /// <summary>Epoch and version of the newest parameters received, taken or not (version −1: none yet).</summary>
    PolicyStamp NewestParameters { get; }

    /// <summary>Waits until the newest parameters received satisfy <paramref name="ready"/>.</summary>
    Task WaitForParametersAsync(Func<PolicyStamp, bool> ready, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the newest parameters into <paramref name="destination"/> if newer than the last taken; false when none
    /// are. <paramref name="stamp"/> is the stamp of what <paramref name="destination"/> now holds.
    /// </summary>
    /// <exception cref="InvalidDataException">the learner's parameters have another layout than <paramref name="expected"/></exception>
    bool TryTakeNewestParameters(ParameterLayout expected, Span<float> destination, out PolicyStamp stamp);

    /// <summary>Forgets the versions seen and asks the learner for its parameters again (after a learner restart its versions go down).</summary>
    Task ResyncAsync(CancellationToken cancellationToken);

    /// <summary>The sequence number the next rollout will carry.</summary>
    ulong NextSequence { get; }

    /// <summary>Rollouts the engine has confirmed.</summary>
    long Sent { get; }

    /// <summary>Sends a rollout and returns once the engine has it durably (confirmed); retried across reconnects.</summary>
    Task SendAsync(Rollout rollout, RolloutStamp stamp, CancellationToken cancellationToken);
}

/// <summary>A credit an actor holds; a transport derives from it to remember how to complete it.</summary>
public abstract class HeldCredit(Credit credit)
{
    public Credit Credit { get; } = credit;
}
