using Delight.Environments.Bandits;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Frictions;

/// <summary>--contamination and --contamination-arm: contaminated sampling on one-step tasks.</summary>
public sealed record ContaminatedSamplingOptions
{
    /// <summary>ρ: the fraction of actions drawn from the contaminating distribution q.</summary>
    [Runtime.Option("contamination", "One-step tasks: fraction ρ of actions drawn from a contaminating distribution (exact behaviour log-probs recorded).", Min = 0, Max = 1)]
    public float Rate { get; init; }
    /// <summary>The arm q puts all its mass on; null = uniform q.</summary>
    [Runtime.Option("contamination-arm", "The contaminating distribution's single arm (default: uniform over arms).", Min = 0, Max = 1_000_000)]
    public int? Arm { get; init; }

    public void Validate()
    {
        FrictionCheck.Probability("--contamination", Rate);
        if (Arm is < 0) throw new Runtime.OptionException("--contamination-arm", $"--contamination-arm {Arm} must be an arm index >= 0.");
    }
}

/// <summary>
/// Contaminated sampling (papers.md §2, the distributed paper's exact-importance-weight setting): after the policy
/// sampled, each row's action is redrawn from μ = (1 − ρ)π + ρq with π the sampler's own distribution, and the exact
/// behaviour log-prob log μ(a) is recorded. Behaviour probabilities stay known; they are just not the learner's.
/// </summary>
public sealed class Contamination : IBatchFriction
{
    readonly ContaminationOptions _model;

    public Contamination(ContaminatedSamplingOptions options, ITokenEnvironment environment)
    {
        Options = options;
        if (environment.PromptLength != 1 || environment.AnswerLength != 1)
            throw new Runtime.OptionException("--contamination", $"--contamination applies to one-step tasks (a bandit, mnist); '{environment.Name}' answers with {environment.AnswerLength} tokens.");
        _model = options.Arm is { } arm ? ContaminationOptions.FixedArm(options.Rate, arm) : ContaminationOptions.Uniform(options.Rate);
        _model.Validate(environment.VocabularySize);
    }

    public ContaminatedSamplingOptions Options { get; }
    public string Flag => "--contamination";
    public FrictionEffect Effect => FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs;

    public void Apply(Rollout rollout, ISequencePolicy policy, Rng rng)
    {
        var k = policy.ActionCount;
        ReadOnlySpan<float> pi = policy.PositionLogProbs;
        for (var r = 0; r < rollout.RowCount; r++)
        {
            var action = ContaminatedSampler.Sample(pi.Slice(r * k, k), _model, rng, out var logMu);
            rollout.Tokens[r * 2 + 1] = action;
            rollout.BehaviourLogProbs[r * 2 + 1] = (float)logMu;
        }
    }
}
