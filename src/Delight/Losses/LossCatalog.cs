namespace Delight.Losses;

/// <summary>The losses by name (egg's losses/catalog.py): the name a run spec or the CLI's --method uses.</summary>
public static class LossCatalog
{
    /// <summary>The --method names, in <see cref="Method"/>'s order: pg, dg, is-pg, ppo, pmpo, vaco, kondo, ce.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<Method>().Select(m => Runtime.KebabCase.Of(m))];

    /// <summary>Builds the loss of <paramref name="options"/>' method from the options it reads. An option given a value that the method does not read is an error, not ignored (<see cref="LossOptions.Validate"/>).</summary>
    /// <param name="rng">the loss's own stream, for dg's stochastic gate and delight noise</param>
    public static ILoss Create(LossOptions options, Numerics.Rng? rng = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Method switch
        {
            Method.Pg => new Reinforce(),
            Method.Dg => new DelightfulPg(options.Eta, options.Lambda, options.DgStochastic, options.DelightNoiseStd, rng ?? new Numerics.Rng(0), options.DgGranularity),
            // Kondo keeps the plain advantage coefficient on the terms its gate keeps; the gate is the learner's screen.
            Method.Kondo => new Reinforce("kondo"),
            Method.Ce => new CrossEntropy(),
            Method.IsPg => new ImportanceWeightedPg(options.Truncation),
            Method.Ppo => new Ppo(options.Epsilon, options.Beta ?? Ppo.DefaultBeta),
            Method.Pmpo => new Pmpo(options.Alpha, options.Beta ?? Pmpo.DefaultBeta, options.Gamma),
            Method.Vaco => new Vaco(options.Delta),
            _ => throw new InvalidOperationException($"method {options.Method} has no loss in the catalog."),
        };
    }
}
