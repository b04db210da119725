using Delight.Runtime;

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

/// <summary>Screen tokens one by one, or whole rows by a score of their token priorities.</summary>
public enum KondoGranularity { Token, Row }

/// <summary>A row's score under row granularity: the mean or the sum of its token priorities (over the answer tokens).</summary>
public enum KondoRowScore { Mean, Sum }

/// <summary>
/// The Kondo gate (Osband 2026, "Does This Gradient Spark Joy?"): pay for a backward pass only for samples whose
/// priority beats a price. Either a price λ (keep priority &gt; λ, or Bernoulli σ((priority − λ)/η) when stochastic)
/// or a rate ρ (deterministic: keep the top fraction of the batch; stochastic: λ is the running (1 − ρ)-quantile of
/// recent priorities and the keep is Bernoulli σ((priority − λ)/η)). Exactly one of <see cref="Price"/> and
/// <see cref="Rate"/> is set.
/// </summary>
public sealed record KondoOptions
{
    /// <summary>ρ ∈ (0, 1]: fraction of the batch's tokens (or rows) kept, the highest priorities first.</summary>
    [Option("kondo-rate", "Kondo gate: keep the top fraction ρ ∈ (0, 1] by priority.", Min = 0, Max = 1)]
    public float? Rate { get; init; }
    /// <summary>λ: keep when priority &gt; λ. Method kondo given neither rate nor price gates at λ = 0 (<see cref="ScreenOptions.Gate"/>).</summary>
    [Option("kondo-price", "Kondo gate: keep priority > λ (method kondo defaults to λ = 0).", Min = -1e6, Max = 1e6)]
    public float? Price { get; init; }
    /// <summary>
    /// Keep with probability σ((priority − λ)/η) instead of the hard rule: with a price, λ is the price; with a rate,
    /// λ is the running (1 − ρ)-quantile of the last <see cref="History"/> priorities.
    /// </summary>
    [Option("kondo-stochastic", "Keep with probability σ((priority − λ)/η): λ is --kondo-price, or with --kondo-rate the running (1 − ρ)-quantile of recent priorities.")]
    public bool Stochastic { get; init; }
    /// <summary>η &gt; 0 of the stochastic gate.</summary>
    [Option("kondo-eta", "Kondo stochastic gate: temperature η of σ((priority − λ)/η).", Min = 0, Max = 1e6)]
    public float Temperature { get; init; } = 1f;
    [Option("kondo-priority", "Kondo gate: what a token (or row) is ranked by: delight χ, advantage U, |U|, surprisal ℓ, a uniform draw, or additive α·U + (1 − α)·ℓ.")]
    public KondoPriority Priority { get; init; } = KondoPriority.Delight;
    /// <summary>α ∈ [0, 1] of the additive priority.</summary>
    public float Alpha { get; init; } = 0.5f;
    [Option("kondo-granularity", "Kondo gate: screen tokens, or whole rows by a score of their tokens.")]
    public KondoGranularity Granularity { get; init; } = KondoGranularity.Token;
    /// <summary>Row granularity: a row's score is the mean (default) or the sum of its token priorities. Not read by the
    /// deterministic rate rule, which ranks rows by the sum of their gated token priorities.</summary>
    [Option("kondo-row-score", "Kondo row granularity: a row's score is the mean or the sum of its token priorities (default mean).")]
    public KondoRowScore? RowScore { get; init; }
    /// <summary>Stochastic rate gate: how many recent priorities (tokens or rows, whichever is gated) the price is the quantile of.</summary>
    [Option("kondo-history", "Kondo stochastic rate gate: λ is the (1 − ρ)-quantile of the last N priorities (tokens or rows, as gated).", Min = 1, Max = 1 << 20)]
    public int History { get; init; } = 1024;
    /// <summary>Stochastic rate gate: until the history holds this many priorities, the gate is open (every unit kept, p = 1).</summary>
    [Option("kondo-warmup", "Kondo stochastic rate gate: keep everything until the history holds N priorities.", Min = 0, Max = 1 << 20)]
    public int Warmup { get; init; } = 128;
    /// <summary>
    /// Stochastic gate: a kept unit's coefficients are divided by its keep probability p (Horvitz–Thompson), so the
    /// screened coefficient's expectation equals the unscreened one of the method behind the gate.
    /// </summary>
    [Option("kondo-ipw", "Kondo stochastic gate: divide kept rows' coefficients by their keep probability (Horvitz–Thompson; unbiased for the method behind the gate).")]
    public bool InversePropensity { get; init; }

    /// <summary>The rate-targeted stochastic gate, the only mode with a history of priorities.</summary>
    public bool TracksQuantile => Stochastic && Rate is not null;

    public void Validate()
    {
        if (Rate is null == Price is null)
            throw new Runtime.OptionException("--kondo-rate", "the Kondo gate needs exactly one of --kondo-rate (a fraction in (0, 1]) and --kondo-price (a threshold λ).");
        if (Rate is { } rate && !(rate > 0 && rate <= 1))
            throw new Runtime.OptionException("--kondo-rate", $"--kondo-rate {rate} must be in (0, 1].");
        if (Price is { } price && !float.IsFinite(price))
            throw new Runtime.OptionException("--kondo-price", $"--kondo-price {price} must be a finite number.");
        if (InversePropensity && !Stochastic)
            throw new Runtime.OptionException("--kondo-ipw", "--kondo-ipw needs --kondo-stochastic: a deterministic gate keeps with probability 0 or 1, so there is no propensity to divide by.");
        if (RowScore is not null && Granularity != KondoGranularity.Row)
            throw new Runtime.OptionException("--kondo-row-score", "--kondo-row-score applies to --kondo-granularity row only.");
        if (RowScore is not null && Rate is not null && !Stochastic)
            throw new Runtime.OptionException("--kondo-row-score", "--kondo-row-score is not read by the deterministic --kondo-rate row rule (it ranks rows by their gated token priorities' sum); add --kondo-stochastic or drop it.");
        if (!(History >= 1 && History <= 1 << 20))
            throw new Runtime.OptionException("--kondo-history", $"--kondo-history {History} must be in [1, 1048576].");
        if (!(Warmup >= 0 && Warmup <= History))
            throw new Runtime.OptionException("--kondo-warmup", $"--kondo-warmup {Warmup} must be in [0, --kondo-history {History}].");
        if (!(Temperature > 0) || !float.IsFinite(Temperature))
            throw new Runtime.OptionException("--kondo-eta", $"--kondo-eta {Temperature} must be > 0: it is the temperature η of the stochastic gate σ((priority − λ)/η).");
        if (!(Alpha >= 0 && Alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "the additive priority's weight α must be in [0, 1].");
        if (!Enum.IsDefined(Priority)) throw new OptionException("--kondo-priority", $"--kondo-priority {(int)Priority} is not a priority.");
        if (!Enum.IsDefined(Granularity)) throw new OptionException("--kondo-granularity", $"--kondo-granularity {(int)Granularity} is not a granularity.");
    }
}
