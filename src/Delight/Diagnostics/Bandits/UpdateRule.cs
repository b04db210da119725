namespace Delight.Diagnostics.Bandits;

/// <summary>The update directions whose exact expectation <see cref="ExactGradients"/> computes.</summary>
public enum UpdateMethod
{
    /// <summary>REINFORCE: coefficient U on ∇log π(a), no correction for the behaviour policy (Losses/Reinforce).</summary>
    PolicyGradient,
    /// <summary>Coefficient min(π/μ, ρ̄)·U: exact importance weights, optionally truncated (Losses/ImportanceWeightedPg).</summary>
    ImportanceWeightedPg,
    /// <summary>DG: coefficient σ((U·ℓ − λ)/η)·U, ℓ = −log π(a) under the learner; 1[U·ℓ &gt; λ]·U at η = 0, which is
    /// also the expectation of the stochastic (Kondo) gate at any η (Losses/DelightfulPg).</summary>
    Delightful,
    /// <summary>The cross-entropy oracle: coefficient 1 on ∇log π(y*), whatever was sampled (Losses/CrossEntropy).</summary>
    CrossEntropy,
}

/// <summary>
/// One update rule with its knobs. Build it with the factory methods; <see cref="Validate"/> names the CLI option on
/// a bad value.
/// </summary>
public readonly record struct UpdateRule
{
    public UpdateMethod Method { get; init; }
    public Baseline Baseline { get; init; }
    /// <summary>η ≥ 0 (DG).</summary>
    public double Temperature { get; init; }
    /// <summary>λ (DG).</summary>
    public double Price { get; init; }
    /// <summary>ρ̄ &gt; 0, or null for exact unbounded ratios (importance-weighted PG).</summary>
    public double? Truncation { get; init; }

    public static UpdateRule PolicyGradient(Baseline baseline) => new() { Method = UpdateMethod.PolicyGradient, Baseline = baseline };
    public static UpdateRule ImportanceWeighted(Baseline baseline, double? truncation = null)
        => new() { Method = UpdateMethod.ImportanceWeightedPg, Baseline = baseline, Truncation = truncation };
    public static UpdateRule Delightful(Baseline baseline, double temperature = 1, double price = 0)
        => new() { Method = UpdateMethod.Delightful, Baseline = baseline, Temperature = temperature, Price = price };
    public static UpdateRule CrossEntropy => new() { Method = UpdateMethod.CrossEntropy };

    public void Validate()
    {
        if (!Enum.IsDefined(Method)) throw new ArgumentException($"unknown update method {Method}.");
        if (!Enum.IsDefined(Baseline.Kind)) throw new ArgumentException($"unknown baseline {Baseline.Kind}.");
        if (!double.IsFinite(Baseline.Value)) throw new ArgumentException($"the constant baseline {Baseline.Value} must be finite.");
        if (!(Temperature >= 0) || !double.IsFinite(Temperature)) throw new ArgumentException($"--eta (temperature) {Temperature} must be a finite number >= 0.");
        if (!double.IsFinite(Price)) throw new ArgumentException($"--lambda (price) {Price} must be finite.");
        if (Truncation is { } rhoBar && (!(rhoBar > 0) || !double.IsFinite(rhoBar)))
            throw new ArgumentException($"--truncation (ρ̄) {rhoBar} must be a finite number > 0, or unset for exact ratios.");
    }
}
