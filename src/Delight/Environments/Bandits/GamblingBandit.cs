namespace Delight.Environments.Bandits;

/// <summary>
/// The Kondo paper's gambling bandit (Prop. 3, §4.2; papers.md §3.3, claim 15): two arms, one context. Arm 0, the
/// best, pays 1 + σ_best·ε; arm 1 pays 1 − Δ + σ·ε, so the gap is Δ and the worse arm alone carries the noise σ
/// (σ_best = 0 by default). With σ/Δ ≫ 1 a lucky draw on the worse arm has positive advantage and high surprisal,
/// exactly like a breakthrough, and the delight gate cannot tell them apart. Setting σ_best = σ gives the
/// homoskedastic control, where the paper says DG and PG degrade together.
/// The error is the expected fraction of worse-arm pulls, (1 − R)/Δ, the regret in units of the gap.
/// </summary>
public sealed class GamblingBandit : IBanditModel
{
    public const int BestArm = 0;
    public const int WorseArm = 1;

    public GamblingBandit(GamblingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public GamblingOptions Options { get; }
    public string Name => "gambling";
    public int ContextCount => 1;
    public int ActionCount => 2;
    public double ContextProbability(int context) => 1.0;
    public RewardLaw Reward(int context, int action) => action == BestArm
        ? RewardLaw.Gaussian(1, Options.BestArmNoiseStd)
        : RewardLaw.Gaussian(1 - Options.Gap, Options.ArmNoiseStd);
    public int CorrectAction(int context) => BestArm;
    public double Error(double meanReward) => (1 - meanReward) / Options.Gap;
}

/// <summary>
/// The gambling bandit's knobs. The paper's exact Δ and σ were not recovered (papers.md §3.3); the defaults sit in
/// the gambling regime σ/Δ = 2.
/// </summary>
public sealed record GamblingOptions
{
    /// <summary>Δ &gt; 0 (--gap): the best arm's mean minus the worse arm's.</summary>
    public double Gap { get; init; } = 0.5;
    /// <summary>σ ≥ 0 (--arm-noise): the worse arm's Gaussian reward noise.</summary>
    public double ArmNoiseStd { get; init; } = 1;
    /// <summary>σ_best ≥ 0 (--best-arm-noise): the best arm's noise; 0 = the paper's differential noise.</summary>
    public double BestArmNoiseStd { get; init; }

    public void Validate()
    {
        if (!(Gap > 0) || !double.IsFinite(Gap)) throw new Delight.Runtime.OptionException("--gap", $"--gap {Gap} must be a finite number > 0 (the best arm must be better).");
        if (!(ArmNoiseStd >= 0) || !double.IsFinite(ArmNoiseStd))
            throw new Delight.Runtime.OptionException("--arm-noise", $"--arm-noise {ArmNoiseStd} must be a finite standard deviation >= 0.");
        if (!(BestArmNoiseStd >= 0) || !double.IsFinite(BestArmNoiseStd))
            throw new Delight.Runtime.OptionException("--best-arm-noise", $"--best-arm-noise {BestArmNoiseStd} must be a finite standard deviation >= 0.");
    }
}
