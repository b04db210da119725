using System.Reflection;
using Delight.Learning;
using Delight.Losses;
using Delight.Runtime;

namespace Delight.Screens;

/// <summary>
/// The screen part of a run: the Kondo gate's options (defaults declared in <see cref="KondoOptions"/>) and where its
/// surprisal comes from. The gate is on for method kondo and for any method given a rate or a price.
/// </summary>
public sealed record ScreenOptions
{
    /// <summary>The gate's options (--kondo-*); read only when the run has a gate.</summary>
    public KondoOptions Kondo { get; init; } = new();
    /// <summary>exact (learner surprisal) or speculative (the actor's recorded log-probs, before the learner forward).</summary>
    [Option("screen", "exact (learner log-probs) or speculative (actor's, before the forward).")]
    public ScreenMode Mode { get; init; } = ScreenMode.Exact;

    static readonly KondoOptions Defaults = new();

    public bool HasGate(Method method) => method == Method.Kondo || Kondo.Rate is not null || Kondo.Price is not null;

    /// <summary>The gate <paramref name="method"/> trains behind, or null: method kondo with neither rate nor price gates at λ = 0.</summary>
    public KondoOptions? Gate(Method method) => HasGate(method)
        ? Kondo with { Price = Kondo.Rate is null ? Kondo.Price ?? 0f : Kondo.Price }
        : null;

    /// <summary>
    /// Refuses a Kondo option (other than its default) when the run has no gate, which would ignore it; then the
    /// gate's own rules.
    /// </summary>
    public void Validate(Method method)
    {
        if (!Enum.IsDefined(Mode)) throw new OptionException("--screen", $"--screen {(int)Mode} is unknown; choose exact or speculative.");
        if (Gate(method) is { } gate)
        {
            gate.Validate();
            return;
        }
        foreach (var p in typeof(KondoOptions).GetProperties())
            if (p.GetCustomAttribute<OptionAttribute>() is { } option && !Equals(p.GetValue(Kondo), p.GetValue(Defaults)))
                throw new OptionException("--" + option.Name,
                    $"--{option.Name} {OptionEntry.Format(p.GetValue(Kondo))} configures the Kondo gate, which --method {KebabCase.Of(method)} without --kondo-rate or --kondo-price does not have; add one of them (or --method kondo), or drop --{option.Name}.");
    }
}
