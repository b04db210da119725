namespace Delight.Distributed;

/// <summary>How the distributed learner uses the broker (the training itself is in <see cref="Runtime.TrainOptions"/>).</summary>
public sealed record DistributedLearnerOptions
{
    /// <summary>
    /// Batches in flight (credits): queued for actors, being sampled, or sampled and not yet consumed. Each actor works
    /// on at most one, so more actors than credits wait; a rollout is applied at most about this many versions after
    /// the version it was sampled with. Default 2: one batch sampling while one waits, enough to keep the learner busy.
    /// </summary>
    public int Credits
    {
        get;
        init => field = value is >= 1 and <= MaxCredits ? value
            : throw new Runtime.OptionException("--credits", $"--credits {value} is out of range; use 1 to {MaxCredits} (batches in flight; 2 keeps the learner busy).");
    } = 2;

    public const int MaxCredits = 1024;

    /// <summary>How long to wait for a run held by another consumer (a predecessor's connection not yet dropped) before refusing.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The run folder: the poison marker and the applied-rollouts log live here. Null: neither.</summary>
    public string? RunFolder { get; init; }

    /// <summary>Where one-line notices go (a refused poison, a learner error); null: nowhere.</summary>
    public TextWriter? Log { get; init; }
}
