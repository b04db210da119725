using Delight.Numerics;

namespace Delight.Frictions;

/// <summary>--reward-flip-prob and --reward-noise-std: a flaky or noisy verifier.</summary>
public sealed record RewardCorruptionOptions
{
    /// <summary>Probability that the reward is replaced by a fair coin in {0, 1}.</summary>
    [Runtime.Option("reward-flip-prob", "Reward replaced by a fair coin in {0, 1}.", Min = 0, Max = 1)]
    public float FlipProb { get; init; }
    /// <summary>Standard deviation of Gaussian noise added to every reward.</summary>
    [Runtime.Option("reward-noise-std", "Gaussian noise added to rewards.", Min = 0, Max = 1e6)]
    public float NoiseStd { get; init; }

    public bool Any => FlipProb > 0 || NoiseStd > 0;

    public void Validate()
    {
        FrictionCheck.Probability("--reward-flip-prob", FlipProb);
        FrictionCheck.NonNegative("--reward-noise-std", NoiseStd);
    }
}

/// <summary>
/// Reward corruption (egg bernoulli_noise_wrapper.py, gaussian_noise_wrapper.py), applied to the scored reward: first
/// the flip — u ~ U[0, 1), and when u &lt; p a fair coin replaces the reward — then the noise, R + σ·ε. Draws per row:
/// u when p &gt; 0, the coin only when u &lt; p, ε when σ &gt; 0.
/// </summary>
public sealed class RewardCorruption(RewardCorruptionOptions options) : IRewardFriction
{
    public RewardCorruptionOptions Options { get; } = options;
    public string Flag => Options.FlipProb > 0 ? "--reward-flip-prob" : "--reward-noise-std";
    public FrictionEffect Effect => FrictionEffect.Reward;

    public float Apply(float reward, Rng rng, ref RowFriction row)
    {
        if (Options.FlipProb > 0 && rng.NextFloat() < Options.FlipProb)
        {
            reward = rng.NextFloat() < 0.5f ? 1f : 0f;
            row |= RowFriction.RewardFlip;
        }
        if (Options.NoiseStd > 0) reward += Options.NoiseStd * (float)rng.NextNormal();
        return reward;
    }
}
