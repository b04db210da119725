namespace Delight.Diagnostics.Bandits;

/// <summary>
/// The standard normal's density and tails in double precision, for the exact hard-gate expectations under Gaussian
/// rewards (.NET has no erf). erfc(x) for x ≥ 0: the all-positive series erf(x) = (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!
/// below 3 (no cancellation), Laplace's continued fraction above (about 1e-16 absolute in both ranges).
/// </summary>
public static class NormalDistribution
{
    const double InverseSqrtPi = 0.56418958354775628695;
    const double InverseSqrtTwoPi = 0.39894228040143267794;

    /// <summary>φ(z) = e^(−z²/2)/√(2π).</summary>
    public static double Density(double z) => InverseSqrtTwoPi * Math.Exp(-0.5 * z * z);

    /// <summary>Q(z) = P(Z &gt; z) = ½·erfc(z/√2).</summary>
    public static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>Φ(z) = P(Z ≤ z) = ½·erfc(−z/√2).</summary>
    public static double Cdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>The complementary error function erfc(x) = 1 − erf(x).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        if (x < 3)
        {
            // erf(x) = (2/√π)·e^(−x²)·Σ_n 2ⁿ·x^(2n+1)/(1·3·…·(2n+1)); each term is the last times 2x²/(2n+1).
            double term = x, sum = x, twoXSquared = 2 * x * x;
            for (var n = 1; term > 1e-17 * sum; n++)
            {
                term *= twoXSquared / (2 * n + 1);
                sum += term;
            }
            return 1 - 2 * InverseSqrtPi * Math.Exp(-x * x) * sum;
        }
        if (x > 27) return 0; // e^(−729) underflows
        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))), evaluated from the bottom up.
        var t = x;
        for (var k = 80; k >= 1; k--) t = x + 0.5 * k / t;
        return InverseSqrtPi * Math.Exp(-x * x) / t;
    }
}
