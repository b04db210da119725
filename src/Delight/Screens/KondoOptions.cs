namespace Delight.Screens;

/// <summary>What a sample's worth is measured by (egg common.py compute_priority).</summary>
public enum KondoPriority
{
    /// <summary>χ = U·ℓ (the Kondo paper's choice).</summary>
    Delight,
    /// <summary>U</summary>
    Advantage,
    /// <summary>|U|</summary>
    AbsAdvantage,
    /// <summary>ℓ = −log π</summary>
    Surprisal,
    /// <summary>A uniform random draw: a random subset of the asked size. (egg's "uniform" gives every token priority 1, so
    /// ties keep everything; a random draw makes it the baseline it is meant to be.)</summary>
    Uniform,
    /// <summary>α·U + (1 − α)·ℓ</summary>
    Additive,
}

/// <summary>Screen tokens one by one, or whole rows by their mean token priority.</summary>
public enum KondoGranularity { Token, Row }

/// <summary>
/// The Kondo gate (Osband 2026, "Does This Gradient Spark Joy?"): pay for a backward pass only for samples whose
/// priority beats a price. Either a price λ (keep priority &gt; λ, or Bernoulli σ((priority − λ)/η) when stochastic)
/// or a rate ρ (keep the top fraction of the batch). Exactly one of <see cref="Price"/> and <see cref="Rate"/> is set.
/// </summary>
public sealed record KondoOptions
{
    /// <summary>ρ ∈ (0, 1]: fraction of the batch's tokens (or rows) kept, the highest priorities first.</summary>
    public float? Rate { get; init; }
    /// <summary>λ: keep when priority &gt; λ.</summary>
    public float? Price { get; init; }
    /// <summary>With a price: keep with probability σ((priority − λ)/η) instead of the hard threshold.</summary>
    public bool Stochastic { get; init; }
    /// <summary>η &gt; 0 of the stochastic gate.</summary>
    public float Temperature { get; init; } = 1f;
    public KondoPriority Priority { get; init; } = KondoPriority.Delight;
    /// <summary>α ∈ [0, 1] of the additive priority.</summary>
    public float Alpha { get; init; } = 0.5f;
    public KondoGranularity Granularity { get; init; } = KondoGranularity.Token;

    public void Validate()
    {
        if (Rate is null == Price is null)
            throw new Runtime.OptionException("--kondo-rate", "the Kondo gate needs exactly one of --kondo-rate (a fraction in (0, 1]) and --kondo-price (a threshold λ).");
        if (Rate is { } rate && !(rate > 0 && rate <= 1))
            throw new Runtime.OptionException("--kondo-rate", $"--kondo-rate {rate} must be in (0, 1].");
        if (Price is { } price && !float.IsFinite(price))
            throw new Runtime.OptionException("--kondo-price", $"--kondo-price {price} must be a finite number.");
        if (Stochastic && Price is null)
            throw new Runtime.OptionException("--kondo-stochastic", "--kondo-stochastic needs --kondo-price: the stochastic gate is σ((priority − λ)/η).");
        if (!(Temperature > 0) || !float.IsFinite(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "the Kondo gate's temperature η must be > 0.");
        if (!(Alpha >= 0 && Alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "the additive priority's weight α must be in [0, 1].");
    }

    public static KondoPriority ParsePriority(string text) => text switch
    {
        "delight" => KondoPriority.Delight,
        "advantage" => KondoPriority.Advantage,
        "abs-advantage" or "abs_advantage" => KondoPriority.AbsAdvantage,
        "surprisal" => KondoPriority.Surprisal,
        "uniform" => KondoPriority.Uniform,
        "additive" => KondoPriority.Additive,
        _ => throw new Runtime.OptionException("--kondo-priority", $"--kondo-priority '{text}' is unknown; choose one of: delight, advantage, abs-advantage, surprisal, uniform, additive."),
    };
}
