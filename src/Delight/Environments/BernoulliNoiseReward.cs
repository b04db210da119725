using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Flaky verifier, the coin-flip reward corruption (egg bernoulli_noise_wrapper.py): with probability p the reward is
/// replaced by max_val or min_val (a fair coin), else R = R_inner.
/// Draws: the inner reward's numbers, then u ~ U[0, 1) (replace iff u &lt; p), then the coin (max iff heads); both are
/// always drawn when p &gt; 0, neither when p = 0.
/// </summary>
public class BernoulliNoiseReward : TokenEnvironmentWrapper
{
    BernoulliNoiseReward(ITokenEnvironment inner, BernoulliNoiseOptions options) : base(inner) => Options = options;

    public static BernoulliNoiseReward Wrap(ITokenEnvironment inner, BernoulliNoiseOptions options)
    {
        options.Validate();
        return inner is ISupervisedTask ? new Supervised(inner, options) : new BernoulliNoiseReward(inner, options);
    }

    public BernoulliNoiseOptions Options { get; }

    public override float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
    {
        var reward = Inner.Reward(prompt, answer, rng);
        if (!(Options.NoiseProb > 0f)) return reward;
        var replace = rng.NextDouble() < Options.NoiseProb;
        var heads = rng.NextInt(2) == 1;
        return replace ? (heads ? Options.MaxValue : Options.MinValue) : reward;
    }

    sealed class Supervised(ITokenEnvironment inner, BernoulliNoiseOptions options) : BernoulliNoiseReward(inner, options), ISupervisedTask
    {
        public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => WriteInnerTarget(prompt, answer);
    }
}

/// <summary>Bernoulli reward replacement; egg defaults p_noise 0, min_val 0, max_val 1.</summary>
public sealed record BernoulliNoiseOptions
{
    /// <summary>p (egg p_noise): probability that the reward is replaced (--reward-flip-prob).</summary>
    public float NoiseProb { get; init; }
    /// <summary>Replacement on tails (egg min_val).</summary>
    public float MinValue { get; init; }
    /// <summary>Replacement on heads (egg max_val).</summary>
    public float MaxValue { get; init; } = 1f;

    public void Validate()
    {
        TokenEnvironmentWrapper.CheckProbability("--reward-flip-prob", NoiseProb);
        TokenEnvironmentWrapper.CheckFinite("flip min value", MinValue);
        TokenEnvironmentWrapper.CheckFinite("flip max value", MaxValue);
    }
}
