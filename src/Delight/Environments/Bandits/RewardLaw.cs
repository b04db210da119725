using Delight.Numerics;

namespace Delight.Environments.Bandits;

/// <summary>The two reward families the bandit papers use.</summary>
public enum RewardKind
{
    /// <summary>R ∈ {0, 1} with P(R = 1) = mean (a 0/1 verifier; deterministic when the mean is 0 or 1).</summary>
    Bernoulli,
    /// <summary>R = mean + std·ε, ε ~ N(0, 1) (the gambling arm's noisy payoff; deterministic when std is 0).</summary>
    Gaussian,
}

/// <summary>
/// The reward distribution of one (context, arm) pair. The environment samples it; the exact-gradient code
/// (Diagnostics/Bandits) integrates over it, so both read the same law.
/// </summary>
public readonly record struct RewardLaw(RewardKind Kind, double Mean, double Std)
{
    /// <summary>R ∈ {0, 1}, P(R = 1) = <paramref name="successProbability"/>.</summary>
    public static RewardLaw Bernoulli(double successProbability) => new(RewardKind.Bernoulli, successProbability, 0);

    /// <summary>R ~ N(mean, std²).</summary>
    public static RewardLaw Gaussian(double mean, double std) => new(RewardKind.Gaussian, mean, std);

    /// <summary>Var R: m(1 − m) for Bernoulli, σ² for Gaussian.</summary>
    public double Variance => Kind == RewardKind.Bernoulli ? Mean * (1 - Mean) : Std * Std;

    /// <summary>One draw: exactly one rng.NextDouble() (Bernoulli) or one rng.NextNormal() (Gaussian), whatever the
    /// law's values, so the number of draws depends only on the law's kind.</summary>
    public double Sample(Rng rng) => Kind == RewardKind.Bernoulli
        ? (rng.NextDouble() < Mean ? 1.0 : 0.0)
        : Mean + Std * rng.NextNormal();
}
