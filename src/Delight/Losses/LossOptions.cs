using System.Reflection;
using Delight.Runtime;

namespace Delight.Losses;

/// <summary>
/// The loss part of a run: the method and every method's options, each default declared here or in its loss (the
/// constructors validate the values, naming the flag). An option declares the methods that read it
/// (<see cref="OptionAttribute.Methods"/>); <see cref="Validate"/> refuses one given to a method that would ignore it.
/// </summary>
public sealed record LossOptions
{
    [Option("method", "Method: pg, dg, is-pg, ppo, pmpo, vaco, kondo (pg behind the Kondo gate) or ce (supervised oracle).")]
    public Method Method { get; init; } = Method.Dg;
    /// <summary>dg: temperature η (--eta), ≥ 0.</summary>
    [Option("eta", "dg: gate temperature η (0: hard gate).", Min = 0, Max = 1e6, Methods = "dg")]
    public float Eta { get; init; } = DelightfulPg.DefaultTemperature;
    /// <summary>dg: price λ (--lambda).</summary>
    [Option("lambda", "dg: gate price λ.", Min = -1e6, Max = 1e6, Methods = "dg")]
    public float Lambda { get; init; }
    /// <summary>is-pg: largest importance weight ρ̄ (--truncation), &gt; 0; null for none.</summary>
    [Option("truncation", "is-pg: truncate importance ratios at ρ̄.", Min = 0, Max = 1e6, Methods = "is-pg")]
    public float? Truncation { get; init; }
    /// <summary>ppo: clip half-width ε (--epsilon), &gt; 0.</summary>
    [Option("epsilon", "ppo: clip ε.", Min = 0, Max = 1e3, Methods = "ppo")]
    public float Epsilon { get; init; } = Ppo.DefaultEpsilon;
    /// <summary>ppo, pmpo: KL anchor β (--beta), ≥ 0; null for the method's default (ppo 0, pmpo 0.1).</summary>
    [Option("beta", "ppo/pmpo: KL anchor β (default 0 for ppo, 0.1 for pmpo).", Min = 0, Max = 1e6, Methods = "ppo, pmpo")]
    public float? Beta { get; init; }
    /// <summary>pmpo: weight α of the accepted term (--alpha), in [0, 1].</summary>
    [Option("alpha", "pmpo: weight α of accepted rows.", Min = 0, Max = 1, Methods = "pmpo")]
    public float Alpha { get; init; } = Pmpo.DefaultAlpha;
    /// <summary>pmpo: floor γ in log(γ + π) (--gamma), ≥ 0.</summary>
    [Option("gamma", "pmpo: γ in log(γ + π) of rejected rows.", Min = 0, Max = 1e6, Methods = "pmpo")]
    public float Gamma { get; init; } = Pmpo.DefaultGamma;
    /// <summary>vaco: total-variation threshold δ (--delta), &gt; 0.</summary>
    [Option("delta", "vaco: total-variation filter δ.", Min = 0, Max = 1e3, Methods = "vaco")]
    public float Delta { get; init; } = Vaco.DefaultDelta;
    /// <summary>dg: draw the gate weight as Bernoulli(σ((χ − λ)/η)) instead of using the probability.</summary>
    [Option("dg-stochastic", "dg: Bernoulli gate weights.", Methods = "dg")]
    public bool DgStochastic { get; init; }
    /// <summary>dg: standard deviation of Gaussian noise added to χ (approximate-delight studies).</summary>
    [Option("delight-noise", "dg: Gaussian noise std added to delight.", Min = 0, Max = 1e6, Methods = "dg")]
    public float DelightNoiseStd { get; init; }
    /// <summary>dg: a gate per token (default) or one per row on its mean delight (--dg-granularity).</summary>
    [Option("dg-granularity", "dg: a gate per token (token) or one per row on its mean delight (sequence).", Methods = "dg")]
    public DgGranularity DgGranularity { get; init; } = DgGranularity.Token;

    static readonly LossOptions Defaults = new();

    /// <summary>
    /// Refuses an unknown method and any option the method does not read that is given a value other than its
    /// default: a demanding user who writes <c>--method dg --epsilon 0.1</c> has mistaken the method or the option, and
    /// a silently ignored flag would hide it. The values the method reads are checked by its loss's constructor.
    /// </summary>
    public void Validate()
    {
        var method = KebabCase.Of(Method);
        if (!Enum.IsDefined(Method))
            throw new OptionException("--method", $"--method {(int)Method} is unknown; choose one of: {string.Join(", ", LossCatalog.Names)}.");
        foreach (var p in typeof(LossOptions).GetProperties())
        {
            if (p.GetCustomAttribute<OptionAttribute>() is not { Methods: { } methods } option) continue;
            var readers = methods.Split(',', StringSplitOptions.TrimEntries);
            var value = p.GetValue(this);
            if (readers.Contains(method) || Equals(value, p.GetValue(Defaults))) continue;
            throw new OptionException("--" + option.Name,
                $"--{option.Name} {OptionEntry.Format(value)} is not an option of {method}; only {string.Join(" and ", readers)} {(readers.Length == 1 ? "reads" : "read")} it. Drop --{option.Name}, or choose --method {readers[0]}.");
        }
    }
}
