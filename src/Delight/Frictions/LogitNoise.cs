using Delight.Numerics;
using Delight.Policies;

namespace Delight.Frictions;

/// <summary>--logit-noise: actor/learner mismatch.</summary>
public sealed record LogitNoiseOptions
{
    /// <summary>σ of the fixed Gaussian vector added to the actor's logits.</summary>
    [Runtime.Option("logit-noise", "Fixed Gaussian noise σ·u on the actor's logits.", Min = 0, Max = 1e6)]
    public float Std { get; init; }

    public void Validate() => FrictionCheck.NonNegative("--logit-noise", Std);
}

/// <summary>
/// Actor/learner mismatch (egg's fixed logit noise): a persistent per-token bias σ·u, u ~ N(0, 1), drawn once when
/// the actor is built and added to the logits it samples from. The actor records the log-probs of the biased
/// distribution it really sampled from; they are not the learner's.
/// </summary>
public sealed class LogitNoise(LogitNoiseOptions options) : ISamplingFriction
{
    public LogitNoiseOptions Options { get; } = options;
    public string Flag => "--logit-noise";
    public FrictionEffect Effect => FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs;

    public void Attach(ISequencePolicy policy, Rng rng)
    {
        var bias = new float[policy.ActionCount];
        for (var v = 0; v < bias.Length; v++) bias[v] = Options.Std * (float)rng.NextNormal();
        policy.SamplingLogitBias = bias;
    }
}
