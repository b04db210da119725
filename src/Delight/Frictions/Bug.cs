using Delight.Numerics;

namespace Delight.Frictions;

/// <summary>--bug-prob: a buggy actor.</summary>
public sealed record BugOptions
{
    /// <summary>Probability that a row's answer becomes the landmine (all zeros).</summary>
    [Runtime.Option("bug-prob", "Buggy rows: landmine answer (all zeros), wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float Prob { get; init; }

    public void Validate() => FrictionCheck.Probability("--bug-prob", Prob);
}

/// <summary>
/// Buggy actor (egg dreamer_bps.py): with probability p the answer becomes the landmine, all zeros, and its recorded
/// log-probs claim certainty. Last in precedence: a row already given a discovery or a random answer keeps it.
/// </summary>
public sealed class Bug(BugOptions options) : IAnswerFriction
{
    public BugOptions Options { get; } = options;
    public string Flag => "--bug-prob";
    public FrictionEffect Effect => FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs;
    public RowFriction Mark => RowFriction.Bug;

    public float Probability => Options.Prob;
    public bool Fires(Rng rng) => rng.NextFloat() < Options.Prob;

    public void Inject(Rollout rollout, int row, Rng rng)
    {
        InjectedAnswer.Answer(rollout, row).Clear();
        InjectedAnswer.ClaimCertainty(rollout, row);
    }
}
