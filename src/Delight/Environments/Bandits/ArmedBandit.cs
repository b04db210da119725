namespace Delight.Environments.Bandits;

/// <summary>
/// The K-armed single-context bandit of the papers' tabular analysis (DG §4, Prop. 1; Kondo Prop. 1; the contaminated
/// model of the distributed paper, papers.md §1.2, §2.3, §3.3): one context, arm y* pays 1 and every other arm 0.
/// With <see cref="ArmedBanditOptions.ArmMeans"/> each arm instead pays Bernoulli(m_a), and y* is the unique best arm
/// (none on a tie).
/// </summary>
public sealed class ArmedBandit : IBanditModel
{
    readonly double[] _means;

    public ArmedBandit(ArmedBanditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        if (options.ArmMeans is { } means)
        {
            _means = [.. means];
            CorrectArm = UniqueArgmax(_means);
        }
        else
        {
            _means = new double[options.Arms];
            CorrectArm = options.CorrectArm;
            _means[CorrectArm] = 1;
        }
    }

    public ArmedBanditOptions Options { get; }
    /// <summary>y*, or −1 when the best mean is shared.</summary>
    public int CorrectArm { get; }
    public string Name => "bandit";
    public int ContextCount => 1;
    public int ActionCount => _means.Length;
    public double ContextProbability(int context) => 1.0;
    public RewardLaw Reward(int context, int action) => RewardLaw.Bernoulli(_means[action]);
    public int CorrectAction(int context) => CorrectArm;

    static int UniqueArgmax(double[] values)
    {
        var best = 0;
        for (var a = 1; a < values.Length; a++) if (values[a] > values[best]) best = a;
        for (var a = 0; a < values.Length; a++) if (a != best && values[a] == values[best]) return -1;
        return best;
    }
}

/// <summary>The K-armed bandit's knobs.</summary>
public sealed record ArmedBanditOptions
{
    /// <summary>The DG paper's tabular experiments use K = 100 (papers.md §1.3(b)).</summary>
    public const int DefaultArmCount = 100;

    /// <summary>K (--arms); null = the number of <see cref="ArmMeans"/>, else <see cref="DefaultArmCount"/>.</summary>
    public int? ArmCount { get; init; }
    /// <summary>y*, the arm paying 1 (default 0); only without <see cref="ArmMeans"/>.</summary>
    public int CorrectArm { get; init; }
    /// <summary>Optional Bernoulli success probability per arm, [K] in [0, 1]; replaces the one-correct-arm rewards.</summary>
    public IReadOnlyList<double>? ArmMeans { get; init; }

    /// <summary>K as resolved from the knobs.</summary>
    public int Arms => ArmMeans?.Count ?? ArmCount ?? DefaultArmCount;

    public void Validate()
    {
        if (ArmCount is { } k && k < 2) throw new Delight.Runtime.OptionException("--arms", $"--arms {k} must be >= 2 (a bandit needs a choice).");
        if (ArmMeans is { } means)
        {
            if (ArmCount is { } count && count != means.Count)
                throw new Delight.Runtime.OptionException("--arms", $"--arms {count} disagrees with the {means.Count} arm means; drop --arms or give {count} means.");
            if (means.Count < 2) throw new ArgumentException($"the bandit needs at least 2 arm means, got {means.Count}.");
            for (var a = 0; a < means.Count; a++)
                if (!(means[a] >= 0 && means[a] <= 1))
                    throw new ArgumentException($"arm {a}'s mean {means[a]} must be a success probability in [0, 1].");
            if (CorrectArm != 0) throw new ArgumentException("a correct arm and arm means were both given; the means decide the best arm, so drop the correct arm.");
            return;
        }
        if ((uint)CorrectArm >= (uint)Arms)
            throw new ArgumentException($"the correct arm {CorrectArm} must be in [0, {Arms}) (the --arms count).");
    }
}
