using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Noisy verifier (egg gaussian_noise_wrapper.py): R = R_inner + σ·ε, ε ~ N(0, 1).
/// Draws: the inner reward's numbers, then ε (nothing when σ = 0). Egg reuses the inner env's key for ε, which
/// correlates stacked noises (egg-spec §13.13); here ε is the stream's next normal, independent of the inner draws.
/// </summary>
public class GaussianNoiseReward : TokenEnvironmentWrapper
{
    GaussianNoiseReward(ITokenEnvironment inner, GaussianNoiseOptions options) : base(inner) => Options = options;

    public static GaussianNoiseReward Wrap(ITokenEnvironment inner, GaussianNoiseOptions options)
    {
        options.Validate();
        return inner is ISupervisedTask ? new Supervised(inner, options) : new GaussianNoiseReward(inner, options);
    }

    public GaussianNoiseOptions Options { get; }

    public override float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
    {
        var reward = Inner.Reward(prompt, answer, rng);
        return Options.NoiseStd > 0f ? reward + (float)(Options.NoiseStd * rng.NextNormal()) : reward;
    }

    sealed class Supervised(ITokenEnvironment inner, GaussianNoiseOptions options) : GaussianNoiseReward(inner, options), ISupervisedTask
    {
        public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => WriteInnerTarget(prompt, answer);
    }
}

/// <summary>Gaussian reward noise; egg default σ = 1.</summary>
public sealed record GaussianNoiseOptions
{
    /// <summary>σ: standard deviation of the additive noise (--reward-noise-std).</summary>
    public float NoiseStd { get; init; } = 1f;

    public void Validate() => TokenEnvironmentWrapper.CheckStd("--reward-noise-std", NoiseStd);
}
