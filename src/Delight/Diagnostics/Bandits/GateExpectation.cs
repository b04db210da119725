using Delight.Environments.Bandits;

namespace Delight.Diagnostics.Bandits;

/// <summary>
/// E_R[κ] and E_R[κ²] of DG's per-sample coefficient κ = U·w(U·ℓ), U = R − b, over one arm's reward law, with the
/// gate w(χ) = σ((χ − λ)/η), or 1[χ &gt; λ] at η = 0 (papers.md §0). ℓ = −log π(a|c) ≥ 0 is fixed for the arm.
///   Bernoulli R:  the two outcomes, exactly.
///   Gaussian R, hard gate (η = 0): closed forms with U = μ_U + s·Z and t = λ/ℓ, z_t = (t − μ_U)/s:
///     E[U·1{U &gt; t}] = μ_U·Q(z_t) + s·φ(z_t),  E[U²·1{U &gt; t}] = (μ_U² + s²)·Q(z_t) + s·φ(z_t)·(μ_U + t).
///   Gaussian R, smooth gate (η &gt; 0): the trapezoid rule in z over [−12, 12] against φ(z). For an integrand analytic
///     in the strip |Im z| &lt; d the error falls like e^(−2πd/h); the sigmoid's nearest pole sits at d = πη/(s·ℓ), so
///     the step h = min(¼, d/6) keeps the error near 1e-15 relative, and the cut tails weigh e^(−72). A gate too sharp
///     for 2·10⁶ points is refused (use η = 0, which is exact).
/// </summary>
public static class GateExpectation
{
    const double HalfWidth = 12;
    const int MaxPoints = 2_000_000;

    /// <summary>E_R[κ] into <paramref name="mean"/> and E_R[κ²] into <paramref name="square"/>.</summary>
    public static void Moments(RewardLaw law, double baseline, double surprisal, double temperature, double price, out double mean, out double square)
    {
        if (law.Kind == RewardKind.Bernoulli)
        {
            var success = Coefficient(1 - baseline, surprisal, temperature, price);
            var failure = Coefficient(-baseline, surprisal, temperature, price);
            mean = law.Mean * success + (1 - law.Mean) * failure;
            square = law.Mean * success * success + (1 - law.Mean) * failure * failure;
            return;
        }
        var mu = law.Mean - baseline;
        var s = law.Std;
        if (s == 0)
        {
            mean = Coefficient(mu, surprisal, temperature, price);
            square = mean * mean;
            return;
        }
        if (temperature == 0) HardGateGaussian(mu, s, surprisal, price, out mean, out square);
        else SmoothGateGaussian(mu, s, surprisal, temperature, price, out mean, out square);
    }

    /// <summary>κ = U·w(U·ℓ) for one advantage.</summary>
    public static double Coefficient(double advantage, double surprisal, double temperature, double price)
        => advantage * Gate(advantage * surprisal, temperature, price);

    /// <summary>w(χ) = σ((χ − λ)/η), or 1[χ &gt; λ] at η = 0.</summary>
    public static double Gate(double delight, double temperature, double price) => temperature == 0
        ? (delight > price ? 1.0 : 0.0)
        : 1.0 / (1.0 + Math.Exp(-(delight - price) / temperature));

    static void HardGateGaussian(double mu, double s, double surprisal, double price, out double mean, out double square)
    {
        if (surprisal == 0)
        {
            // χ = 0 for every draw: the gate is the constant 1[0 > λ].
            var kept = 0 > price ? 1.0 : 0.0;
            mean = kept * mu;
            square = kept * (mu * mu + s * s);
            return;
        }
        var t = price / surprisal;
        var zt = (t - mu) / s;
        double tail = NormalDistribution.UpperTail(zt), density = NormalDistribution.Density(zt);
        mean = mu * tail + s * density;
        square = (mu * mu + s * s) * tail + s * density * (mu + t);
    }

    static void SmoothGateGaussian(double mu, double s, double surprisal, double temperature, double price, out double mean, out double square)
    {
        var poleDistance = s * surprisal == 0 ? double.PositiveInfinity : Math.PI * temperature / (s * surprisal);
        var step = Math.Min(0.25, poleDistance / 6);
        var intervals = (int)Math.Min(int.MaxValue - 1, Math.Ceiling(2 * HalfWidth / step));
        if (intervals + 1 > MaxPoints)
            throw new ArgumentException($"the gate σ((U·ℓ − λ)/η) at η = {temperature}, ℓ = {surprisal:G4} is too sharp against reward noise σ = {s} for quadrature; use --eta 0 (the hard gate, computed exactly) or a larger --eta.");
        step = 2 * HalfWidth / intervals;
        double sum = 0, sumSquares = 0;
        for (var i = 0; i <= intervals; i++)
        {
            var z = -HalfWidth + i * step;
            var weight = (i == 0 || i == intervals ? 0.5 : 1.0) * NormalDistribution.Density(z);
            var kappa = Coefficient(mu + s * z, surprisal, temperature, price);
            sum += weight * kappa;
            sumSquares += weight * kappa * kappa;
        }
        mean = sum * step;
        square = sumSquares * step;
    }
}
