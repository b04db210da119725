namespace Delight.Losses;

/// <summary>
/// Every loss option with its default; each method reads its own (see <see cref="LossCatalog.Create"/>). The losses'
/// constructors validate the values, naming the option as the CLI spells it.
/// </summary>
public sealed record LossOptions
{
    /// <summary>dg: temperature η (--eta), ≥ 0.</summary>
    public float Eta { get; init; } = DelightfulPg.DefaultTemperature;
    /// <summary>dg: price λ (--lambda).</summary>
    public float Lambda { get; init; }
    /// <summary>is-pg: largest importance weight ρ̄ (--truncation), &gt; 0; null for none.</summary>
    public float? Truncation { get; init; }
    /// <summary>ppo: clip half-width ε (--epsilon), &gt; 0.</summary>
    public float Epsilon { get; init; } = Ppo.DefaultEpsilon;
    /// <summary>ppo, pmpo: KL anchor β (--beta), ≥ 0; null for the method's default (ppo 0, pmpo 0.1).</summary>
    public float? Beta { get; init; }
    /// <summary>pmpo: weight α of the accepted term (--alpha), in [0, 1].</summary>
    public float Alpha { get; init; } = Pmpo.DefaultAlpha;
    /// <summary>pmpo: floor γ in log(γ + π) (--gamma), ≥ 0.</summary>
    public float Gamma { get; init; } = Pmpo.DefaultGamma;
    /// <summary>vaco: total-variation threshold δ (--delta), &gt; 0.</summary>
    public float Delta { get; init; } = Vaco.DefaultDelta;
    /// <summary>dg: draw the gate weight as Bernoulli(σ((χ − λ)/η)) instead of using the probability.</summary>
    public bool DgStochastic { get; init; }
    /// <summary>dg: standard deviation of Gaussian noise added to χ (approximate-delight studies).</summary>
    public float DelightNoiseStd { get; init; }
    /// <summary>dg: a gate per token (default) or one per row on its mean delight (--dg-granularity).</summary>
    public DgGranularity DgGranularity { get; init; } = DgGranularity.Token;
}
