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
/// Reward corruption (egg gaussian_noise_wrapper.py, bernoulli_noise_wrapper.py), applied to the task's own score in
/// egg's dpg stack order (egg-spec §4: reverse_copy → GaussianNoise → BernoulliNoise → … → Landmine): first the noise,
/// R + σ·ε, then the flip — u ~ U[0, 1), and when u &lt; p a fair coin in {0, 1} replaces the (noisy) reward. Reward
/// wrappers' penalties (a landmine) are added after it (<see cref="Actors.TokenActor"/>), so a coin never hides them.
/// Draws per row: ε when σ &gt; 0, u when p &gt; 0, the coin only when u &lt; p.
/// </summary>
public sealed class RewardCorruption(RewardCorruptionOptions options) : IRewardFriction
{
    public RewardCorruptionOptions Options { get; } = options;
    public string Flag => Options.FlipProb > 0 ? "--reward-flip-prob" : "--reward-noise-std";
    public FrictionEffect Effect => FrictionEffect.Reward;

    public float Apply(float reward, Rng rng, ref RowFriction row)
    {
        if (Options.NoiseStd > 0) reward += Options.NoiseStd * (float)rng.NextNormal();
        if (Options.FlipProb > 0 && rng.NextFloat() < Options.FlipProb)
        {
            reward = rng.NextFloat() < 0.5f ? 1f : 0f;
            row |= RowFriction.RewardFlip;
        }
        return reward;
    }
}
