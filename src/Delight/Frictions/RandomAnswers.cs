using Delight.Numerics;

namespace Delight.Frictions;

/// <summary>--random-prob: garbage rollouts.</summary>
public sealed record RandomAnswerOptions
{
    /// <summary>Probability that a row's answer becomes uniformly random tokens.</summary>
    [Runtime.Option("random-prob", "Random answers, wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float Prob { get; init; }

    public void Validate() => FrictionCheck.Probability("--random-prob", Prob);
}

/// <summary>
/// Garbage rollout (egg dreamer_bps.py): with probability p the answer becomes uniformly random tokens (drawn from the
/// friction stream, position by position), recorded log-probs claiming certainty. Second in precedence.
/// </summary>
public sealed class RandomAnswers(RandomAnswerOptions options, int vocabularySize) : IAnswerFriction
{
    public RandomAnswerOptions Options { get; } = options;
    public string Flag => "--random-prob";
    public FrictionEffect Effect => FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs;
    public RowFriction Mark => RowFriction.Random;

    public float Probability => Options.Prob;
    public bool Fires(Rng rng) => rng.NextFloat() < Options.Prob;

    public void Inject(Rollout rollout, int row, Rng rng)
    {
        var answer = InjectedAnswer.Answer(rollout, row);
        for (var t = 0; t < answer.Length; t++) answer[t] = rng.NextInt(vocabularySize);
        InjectedAnswer.ClaimCertainty(rollout, row);
    }
}
