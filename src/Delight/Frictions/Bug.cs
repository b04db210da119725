using Delight.Numerics;
using Delight.Policies;

namespace Delight.Frictions;

/// <summary>What a buggy actor records as the behaviour log-probs of its junk answer (--bug-logprobs).</summary>
public enum BugLogProbs
{
    /// <summary>It claims certainty, log 1 = 0 per token (egg's override_token_prob = 1, the launchers' default).</summary>
    Claimed,
    /// <summary>It reports the true log-probs of the injected answer under the policy it samples with, recomputed
    /// teacher-forced (egg's override_token_prob = None: get_full_logprobs_b_l under the sampler network).</summary>
    Actual,
}

/// <summary>--bug-prob and --bug-logprobs: a buggy actor.</summary>
public sealed record BugOptions
{
    /// <summary>Probability that a row's answer becomes the landmine (all zeros).</summary>
    [Runtime.Option("bug-prob", "Buggy rows: landmine answer (all zeros), wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float Prob { get; init; }
    /// <summary>The bug model: the junk answer's recorded log-probs claim certainty, or are the policy's own.</summary>
    [Runtime.Option("bug-logprobs", "Buggy rows' recorded log-probs: claimed (probability 1 for the junk answer) or actual (the actor's own log-probs of it).")]
    public BugLogProbs LogProbs { get; init; } = BugLogProbs.Claimed;

    public void Validate()
    {
        FrictionCheck.Probability("--bug-prob", Prob);
        if (!Enum.IsDefined(LogProbs)) throw new Runtime.OptionException("--bug-logprobs", $"--bug-logprobs {LogProbs} is unknown; choose claimed or actual.");
    }
}

/// <summary>
/// Buggy actor (egg dreamer_bps.py): with probability p the answer becomes the landmine, all zeros. Its recorded
/// log-probs either claim certainty (<see cref="BugLogProbs.Claimed"/>: importance weights then carry the learner's
/// own small probability of the junk) or are the sampling policy's true log-probs of it (<see cref="BugLogProbs.Actual"/>:
/// behaviour probabilities carry no hidden help). Last in precedence: a row already given a discovery or a random
/// answer keeps it.
/// </summary>
public sealed class Bug(BugOptions options, ISequencePolicy policy) : IAnswerFriction
{
    public BugOptions Options { get; } = options;
    public string Flag => "--bug-prob";
    /// <summary>Under the actual model the recorded log-probs are the actor's own, as for a sampled row.</summary>
    public FrictionEffect Effect => Options.LogProbs == BugLogProbs.Claimed
        ? FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs
        : FrictionEffect.Answer;
    public RowFriction Mark => RowFriction.Bug;

    public float Probability => Options.Prob;
    public bool Fires(Rng rng) => rng.NextFloat() < Options.Prob;

    public void Inject(Rollout rollout, int row, Rng rng)
    {
        InjectedAnswer.Answer(rollout, row).Clear();
        if (Options.LogProbs == BugLogProbs.Claimed) InjectedAnswer.ClaimCertainty(rollout, row);
        else InjectedAnswer.RecordPolicyLogProbs(rollout, row, policy);
    }
}
