namespace Delight.Environments.Bandits;

/// <summary>
/// The multi-context tabular bandit of DG's Prop. 2 (papers.md §1.2, claim 3): C contexts, K arms, and in context c
/// arm y*(c) = c mod K pays 1, every other arm 0. Contexts are drawn with p(c) ∝ (c + 1)^(−s), s =
/// <see cref="ContextBanditOptions.ContextSkew"/> (s = 0 is uniform; s &gt; 0 makes low-numbered contexts common).
/// The paper's <i>success profile</i> p_n is the learner's probability of success in context n, π(y*(n) | n): the
/// contexts differ only in how well the policy already solves them. Training from a uniform policy, a skew creates
/// such a profile (common contexts are learned first, which is Pathology 2: PG keeps spending on them); for the exact
/// analysis, <see cref="SuccessProfile.WriteLogits"/> sets the tabular logits to any given profile.
/// </summary>
public sealed class ContextBandit : IBanditModel
{
    readonly double[] _contextProbabilities;

    public ContextBandit(ContextBanditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _contextProbabilities = new double[options.ContextCount];
        var sum = 0.0;
        for (var c = 0; c < options.ContextCount; c++) sum += _contextProbabilities[c] = Math.Pow(c + 1, -options.ContextSkew);
        for (var c = 0; c < options.ContextCount; c++) _contextProbabilities[c] /= sum;
    }

    public ContextBanditOptions Options { get; }
    public string Name => "bandit_contexts";
    public int ContextCount => Options.ContextCount;
    public int ActionCount => Options.ArmCount;
    public double ContextProbability(int context) => _contextProbabilities[context];
    public RewardLaw Reward(int context, int action) => RewardLaw.Bernoulli(action == CorrectAction(context) ? 1 : 0);
    /// <summary>y*(c) = c mod K: every arm is correct somewhere once C ≥ K, and no context shares a trick with its neighbour.</summary>
    public int CorrectAction(int context) => context % Options.ArmCount;
}

/// <summary>The multi-context bandit's knobs.</summary>
public sealed record ContextBanditOptions
{
    /// <summary>C (--contexts).</summary>
    public int ContextCount { get; init; } = 10;
    /// <summary>K (--arms); 100 as in the DG paper's tabular experiments (papers.md §1.3(b)).</summary>
    public int ArmCount { get; init; } = ArmedBanditOptions.DefaultArmCount;
    /// <summary>s ≥ 0 (--context-skew): p(c) ∝ (c + 1)^(−s); 0 = uniform contexts.</summary>
    public double ContextSkew { get; init; }

    public void Validate()
    {
        if (ContextCount < 1) throw new Delight.Runtime.OptionException("--contexts", $"--contexts {ContextCount} must be >= 1.");
        if (ArmCount < 2) throw new Delight.Runtime.OptionException("--arms", $"--arms {ArmCount} must be >= 2 (a bandit needs a choice).");
        if (!(ContextSkew >= 0) || !double.IsFinite(ContextSkew))
            throw new Delight.Runtime.OptionException("--context-skew", $"--context-skew {ContextSkew} must be a finite number >= 0 (0 = uniform contexts).");
    }
}
