namespace Delight.Losses;

/// <summary>The losses by name (egg's losses/catalog.py): the name a run spec or the CLI's --method uses.</summary>
public static class LossCatalog
{
    /// <summary>pg, dg, is-pg, ppo, pmpo, vaco.</summary>
    public static IReadOnlyList<string> Names { get; } = ["pg", "dg", "is-pg", "ppo", "pmpo", "vaco", "kondo", "ce"];

    /// <summary>Builds the named loss from the options it reads. An option given a value (β, ρ̄) that the method does not read is an error, not ignored.</summary>
    /// <param name="rng">the loss's own stream, for dg's stochastic gate and delight noise</param>
    public static ILoss Create(string name, LossOptions options, Numerics.Rng? rng = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        if (!Names.Contains(name)) throw Unknown(name);
        if (options.Beta is { } beta && name is not ("ppo" or "pmpo"))
            throw new Runtime.OptionException("--beta", $"--beta {beta} is not an option of {name}; only ppo and pmpo have a KL anchor.");
        if (options.DgGranularity != DgGranularity.Token && name is not "dg")
            throw new Runtime.OptionException("--dg-granularity", $"--dg-granularity {options.DgGranularity.ToString().ToLowerInvariant()} is not an option of {name}; only dg gates by delight.");
        if (options.Truncation is { } truncation && name is not "is-pg")
            throw new Runtime.OptionException("--truncation", $"--truncation {truncation} is not an option of {name}; only is-pg truncates its ratio.");
        return name switch
        {
            "pg" => new Reinforce(),
            "dg" => new DelightfulPg(options.Eta, options.Lambda, options.DgStochastic, options.DelightNoiseStd, rng ?? new Numerics.Rng(0), options.DgGranularity),
            // Kondo keeps the plain advantage coefficient on the terms its gate keeps; the gate is the learner's screen.
            "kondo" => new Reinforce("kondo"),
            "ce" => new CrossEntropy(),
            "is-pg" => new ImportanceWeightedPg(options.Truncation),
            "ppo" => new Ppo(options.Epsilon, options.Beta ?? Ppo.DefaultBeta),
            "pmpo" => new Pmpo(options.Alpha, options.Beta ?? Pmpo.DefaultBeta, options.Gamma),
            "vaco" => new Vaco(options.Delta),
            _ => throw Unknown(name),
        };
    }

    static Runtime.OptionException Unknown(string name) =>
        new("--method", $"--method '{name}' is unknown; choose one of: {string.Join(", ", Names)}.");
}
