namespace Delight.Frictions;

/// <summary>How the staleness lag is drawn each step.</summary>
public enum StalenessMode
{
    /// <summary>lag uniform in [0, D] (the reference's uniform_delay).</summary>
    Uniform,
    /// <summary>lag = D whenever that many versions exist.</summary>
    Fixed,
}

/// <summary>
/// The actor-side frictions of the distributed paper (papers.md §2.4; egg dreamer_bps.py and vanilla_async.py), each
/// independently switchable and seeded. Per row, precedence is the reference's: discovery first, then random, then
/// bug — so the bug fraction is (1 − p_discovery)(1 − p_random)·p_bug. Reward corruption applies after, to any row.
/// </summary>
public sealed record FrictionOptions
{
    /// <summary>D: the actor samples with parameters up to D versions old (--staleness).</summary>
    public int Staleness { get; init; }
    public StalenessMode StalenessMode { get; init; } = StalenessMode.Uniform;
    /// <summary>Buggy actor: the answer becomes the landmine (all zeros) and its recorded log-probs claim certainty (log 1 = 0).</summary>
    public float BugProb { get; init; }
    /// <summary>Rare discovery: the answer becomes the correct one, recorded log-probs as for bugs.</summary>
    public float DiscoveryProb { get; init; }
    /// <summary>Garbage rollout: uniformly random answer tokens, recorded log-probs as for bugs.</summary>
    public float RandomProb { get; init; }
    /// <summary>Flaky verifier: the reward is replaced by a fair coin in {0, 1}.</summary>
    public float RewardFlipProb { get; init; }
    /// <summary>Noisy verifier: Gaussian noise of this standard deviation added to every reward.</summary>
    public float RewardNoiseStd { get; init; }
    /// <summary>Actor/learner mismatch: a fixed Gaussian vector σ·u (u ~ N(0, 1) per token, drawn once) added to the actor's logits.</summary>
    public float LogitNoise { get; init; }
    /// <summary>
    /// One-step tasks: a fraction ρ of actions comes from a contaminating distribution q (uniform, or one fixed arm),
    /// μ = (1 − ρ)π + ρq, with the exact behaviour log-prob log μ(a) recorded (papers.md §2, contaminated sampling).
    /// </summary>
    public float Contamination { get; init; }
    /// <summary>The arm q puts all its mass on; null = uniform q.</summary>
    public int? ContaminationArm { get; init; }

    public bool Any => Staleness > 0 || BugProb > 0 || DiscoveryProb > 0 || RandomProb > 0 || RewardFlipProb > 0 || RewardNoiseStd > 0 || LogitNoise > 0 || Contamination > 0;

    public void Validate()
    {
        if (Staleness < 0) throw new ArgumentOutOfRangeException(nameof(Staleness), $"--staleness {Staleness} must be >= 0 (versions of lag).");
        Probability("--bug-prob", BugProb);
        Probability("--discovery-prob", DiscoveryProb);
        Probability("--random-prob", RandomProb);
        Probability("--reward-flip-prob", RewardFlipProb);
        NonNegative("--reward-noise-std", RewardNoiseStd);
        NonNegative("--logit-noise", LogitNoise);
        Probability("--contamination", Contamination);
        if (ContaminationArm is < 0) throw new ArgumentOutOfRangeException("--contamination-arm", $"--contamination-arm {ContaminationArm} must be an arm index >= 0.");
    }

    static void Probability(string option, float p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(option, $"{option} {p} must be a probability in [0, 1].");
    }

    static void NonNegative(string option, float value)
    {
        if (!(value >= 0) || !float.IsFinite(value)) throw new ArgumentOutOfRangeException(option, $"{option} {value} must be a finite number >= 0.");
    }
}
