using Delight.Numerics;

namespace Delight.Frictions;

/// <summary>--discovery-prob: rare discoveries.</summary>
public sealed record DiscoveryOptions
{
    /// <summary>Probability that a row's answer becomes the correct one.</summary>
    [Runtime.Option("discovery-prob", "Rare discovery: the correct answer, wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float Prob { get; init; }

    public void Validate() => FrictionCheck.Probability("--discovery-prob", Prob);
}

/// <summary>
/// Rare discovery (egg dreamer_bps.py): with probability p the answer becomes the task's correct one, recorded
/// log-probs claiming certainty. First in precedence. Needs a task that knows its correct answer.
/// </summary>
public sealed class Discovery : IAnswerFriction
{
    readonly ISupervisedTask? _task;

    public Discovery(DiscoveryOptions options, ITokenEnvironment environment)
    {
        Options = options;
        _task = environment.Targets;
        if (options.Prob > 0 && _task is null)
            throw new Runtime.OptionException("--discovery-prob", $"--discovery-prob needs a task that knows its correct answer; '{environment.Name}' does not.");
    }

    public DiscoveryOptions Options { get; }
    public string Flag => "--discovery-prob";
    public FrictionEffect Effect => FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs;
    public RowFriction Mark => RowFriction.Discovery;

    public float Probability => Options.Prob;
    public bool Fires(Rng rng) => rng.NextFloat() < Options.Prob;

    public void Inject(Rollout rollout, int row, Rng rng)
    {
        // Fires only when Prob > 0, and then the constructor made sure the task knows its targets.
        _task!.WriteTarget(rollout.Prompt(row), InjectedAnswer.Answer(rollout, row));
        InjectedAnswer.ClaimCertainty(rollout, row);
    }
}
