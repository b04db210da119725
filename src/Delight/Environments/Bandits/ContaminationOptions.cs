namespace Delight.Environments.Bandits;

/// <summary>Where a contaminated action comes from (the q of μ = (1 − ρ)π + ρq).</summary>
public enum ContaminationSource
{
    /// <summary>q(a) = 1/K: a random actor.</summary>
    Uniform,
    /// <summary>q = the point mass on one arm: a buggy actor that always emits the same token.</summary>
    FixedArm,
}

/// <summary>
/// The contaminated-sampling model of the distributed DG paper (v1 §3, papers.md §2.3, claim 7): each action comes
/// from the learner π with probability 1 − ρ and from a contaminating distribution q with probability ρ, so the
/// behaviour distribution is μ(a) = (1 − ρ)·π(a) + ρ·q(a). The default (ρ = 0) is on-policy.
/// </summary>
public readonly record struct ContaminationOptions
{
    /// <summary>ρ ∈ [0, 1] (--contamination): the fraction of actions drawn from q.</summary>
    public double Rate { get; init; }
    /// <summary>q: uniform, or a fixed arm when --contamination-arm is given.</summary>
    public ContaminationSource Source { get; init; }
    /// <summary>The arm of <see cref="ContaminationSource.FixedArm"/> (--contamination-arm).</summary>
    public int Arm { get; init; }

    /// <summary>No contamination: μ = π.</summary>
    public static ContaminationOptions None => default;

    public static ContaminationOptions Uniform(double rate) => new() { Rate = rate, Source = ContaminationSource.Uniform };
    public static ContaminationOptions FixedArm(double rate, int arm) => new() { Rate = rate, Source = ContaminationSource.FixedArm, Arm = arm };

    /// <summary>q(a) for K = <paramref name="actionCount"/> arms.</summary>
    public double SourceProbability(int action, int actionCount) => Source switch
    {
        ContaminationSource.Uniform => 1.0 / actionCount,
        ContaminationSource.FixedArm => action == Arm ? 1.0 : 0.0,
        _ => throw new ArgumentOutOfRangeException(nameof(Source), Source, "unknown contamination source"),
    };

    /// <summary>Checks ρ and q against K arms; the message names the CLI option and the fix.</summary>
    public void Validate(int actionCount)
    {
        if (!(Rate >= 0 && Rate <= 1)) throw new Runtime.OptionException("--contamination", $"--contamination {Rate} must be a fraction in [0, 1] (0 = on-policy).");
        if (!Enum.IsDefined(Source)) throw new ArgumentOutOfRangeException(nameof(Source), Source, "the contamination source must be uniform or a fixed arm.");
        if (Source == ContaminationSource.FixedArm && (uint)Arm >= (uint)actionCount)
            throw new Runtime.OptionException("--contamination-arm", $"--contamination-arm {Arm} must be an arm in [0, {actionCount}).");
        if (Source != ContaminationSource.FixedArm && Arm != 0)
            throw new ArgumentException($"arm {Arm} applies only to a fixed-arm source; a uniform source has none.", nameof(Arm));
    }
}
