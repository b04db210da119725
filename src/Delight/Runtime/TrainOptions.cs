using System.Globalization;
using Delight.Learning;
using Delight.Screens;

namespace Delight.Runtime;

/// <summary>Everything a synchronous token-task run needs. Validated once, before anything is written.</summary>
public sealed record TrainOptions
{
    public string Task { get; init; } = "reversal";
    /// <summary>pg (REINFORCE with the grouped baseline), dg (delightful policy gradient), kondo (pg behind the Kondo gate).</summary>
    public string Method { get; init; } = "dg";
    public int Steps { get; init; } = 300;
    public ulong Seed { get; init; }
    /// <summary>Prompts per batch; each is sampled <see cref="SamplesPerPrompt"/> times (the reference's 10 × 10).</summary>
    public int PromptsPerBatch { get; init; } = 10;
    public int SamplesPerPrompt { get; init; } = 10;
    public float LearningRate { get; init; } = 3e-4f;
    /// <summary>DG temperature η.</summary>
    public float Eta { get; init; } = 1f;
    /// <summary>DG price λ.</summary>
    public float Lambda { get; init; }
    /// <summary>Rows sampled on fresh prompts to measure error before and after training.</summary>
    public int EvaluationRows { get; init; } = 1000;
    public int LogEvery { get; init; } = 1;
    /// <summary>H: prompt length (null: the task's default, 10 for reversal).</summary>
    public int? PromptLength { get; init; }
    /// <summary>M: vocabulary (null: the task's default, 2 for reversal).</summary>
    public int? Vocabulary { get; init; }
    /// <summary>Task shape and reward options beyond length and vocabulary (answer length, pairs, reversal variant,
    /// landmine, poison token, zero prompts, finite prompt set). Length and vocabulary above take precedence.</summary>
    public Environments.TaskOptions TaskOptions { get; init; } = new();

    /// <summary>The environment: the task with its reward wrappers. Reward noise and flips are actor frictions.</summary>
    public ITokenEnvironment Environment()
    {
        try { return Environments.TaskCatalog.Create(Task, TaskOptions with { PromptLength = PromptLength, Vocabulary = Vocabulary }); }
        catch (ArgumentException e) { throw new OptionException("--task", e.Message.Replace(" (Parameter 'options')", "").Replace(" (Parameter 'name')", "")); }
    }

    /// <summary>Kondo gate: keep rate ρ ∈ (0, 1] (top fraction by priority).</summary>
    public float? KondoRate { get; init; }
    /// <summary>Kondo gate: price λ (keep priority &gt; λ). Method kondo with neither rate nor price uses λ = 0.</summary>
    public float? KondoPrice { get; init; }
    public string KondoPriority { get; init; } = "delight";
    public string KondoGranularity { get; init; } = "token";
    public bool KondoStochastic { get; init; }
    /// <summary>exact (learner surprisal) or speculative (the actor's recorded log-probs, before the learner forward).</summary>
    public string Screen { get; init; } = "exact";

    public static IReadOnlyList<string> Tasks => Environments.TaskCatalog.Names;
    /// <summary>is-pg: ratio truncation ρ̄ (none when null).</summary>
    public float? Truncation { get; init; }
    /// <summary>ppo: clip ε.</summary>
    public float Epsilon { get; init; } = 0.2f;
    /// <summary>ppo / pmpo: KL anchor β (null: the method's default, 0 for ppo and 0.1 for pmpo).</summary>
    public float? Beta { get; init; }
    /// <summary>pmpo: weight α of the accepted term.</summary>
    public float Alpha { get; init; } = 0.5f;
    /// <summary>pmpo: γ in log(γ + π) of the rejected term.</summary>
    public float Gamma { get; init; } = 1e-9f;
    /// <summary>vaco: total-variation filter δ.</summary>
    public float Delta { get; init; } = 0.2f;
    public bool DgStochastic { get; init; }
    public float DelightNoise { get; init; }
    /// <summary>Actor frictions (--staleness, --bug-prob, …); see <see cref="Delight.Frictions.FrictionOptions"/>.</summary>
    public int Staleness { get; init; }
    public string StalenessMode { get; init; } = "uniform";
    public float BugProb { get; init; }
    public float DiscoveryProb { get; init; }
    public float RandomProb { get; init; }
    public float RewardFlipProb { get; init; }
    public float RewardNoiseStd { get; init; }
    public float LogitNoise { get; init; }

    public Frictions.FrictionOptions Frictions()
    {
        var options = new Frictions.FrictionOptions
        {
            Staleness = Staleness,
            StalenessMode = StalenessMode switch
            {
                "uniform" => Delight.Frictions.StalenessMode.Uniform,
                "fixed" => Delight.Frictions.StalenessMode.Fixed,
                _ => throw new OptionException("--staleness-mode", $"unknown staleness mode '{StalenessMode}'; choose uniform or fixed."),
            },
            BugProb = BugProb, DiscoveryProb = DiscoveryProb, RandomProb = RandomProb,
            RewardFlipProb = RewardFlipProb, RewardNoiseStd = RewardNoiseStd, LogitNoise = LogitNoise,
        };
        try { options.Validate(); }
        catch (ArgumentOutOfRangeException e) { throw new OptionException(e.ParamName ?? "--frictions", e.Message.Replace($" (Parameter '{e.ParamName}')", "")); }
        return options;
    }

    /// <summary>grouped (mean reward of the samples sharing a prompt) or global (batch mean).</summary>
    public string Advantage { get; init; } = "grouped";

    public static IReadOnlyList<string> Methods => Losses.LossCatalog.Names;

    public Losses.LossOptions LossOptions() => new()
    {
        Eta = Eta, Lambda = Lambda, Truncation = Truncation, Epsilon = Epsilon, Beta = Beta, Alpha = Alpha, Gamma = Gamma, Delta = Delta,
        DgStochastic = DgStochastic, DelightNoiseStd = DelightNoise,
    };

    /// <summary>The learner's options: the Kondo gate (for method kondo, or any method given a rate or price) and screen mode.</summary>
    public LearnerOptions LearnerOptions()
    {
        KondoOptions? kondo = null;
        if (Method == "kondo" || KondoRate is not null || KondoPrice is not null)
        {
            kondo = new KondoOptions
            {
                Rate = KondoRate,
                Price = KondoRate is null ? KondoPrice ?? 0f : KondoPrice,
                Stochastic = KondoStochastic,
                Priority = Screens.KondoOptions.ParsePriority(KondoPriority),
                Granularity = KondoGranularity switch
                {
                    "token" => Screens.KondoGranularity.Token,
                    "row" => Screens.KondoGranularity.Row,
                    _ => throw new OptionException("--kondo-granularity", $"unknown granularity '{KondoGranularity}'; choose token or row."),
                },
            };
        }
        var screen = Screen switch
        {
            "exact" => ScreenMode.Exact,
            "speculative" => ScreenMode.Speculative,
            _ => throw new OptionException("--screen", $"unknown screen '{Screen}'; choose exact or speculative."),
        };
        var advantage = Advantage switch
        {
            "grouped" => AdvantageEstimator.Grouped,
            "global" => AdvantageEstimator.GlobalMean,
            "expected-confidence" => AdvantageEstimator.ExpectedConfidence,
            _ => throw new OptionException("--advantage", $"unknown advantage estimator '{Advantage}'; choose grouped, global or expected-confidence."),
        };
        var options = new LearnerOptions { Kondo = kondo, Screen = screen, Advantage = advantage };
        try { options.Validate(); }
        catch (ArgumentException e) when (advantage == AdvantageEstimator.ExpectedConfidence) { throw new OptionException("--advantage", e.Message); }
        return options;
    }

    public void Validate()
    {
        if (!Tasks.Contains(Task)) throw new OptionException("--task", $"unknown task '{Task}'; choose one of: {string.Join(", ", Tasks)}.");
        if (!Methods.Contains(Method)) throw new OptionException("--method", $"unknown method '{Method}'; choose one of: {string.Join(", ", Methods)}.");
        Positive("--steps", Steps);
        Positive("--prompts", PromptsPerBatch);
        Positive("--samples", SamplesPerPrompt);
        Positive("--eval-rows", EvaluationRows);
        Positive("--log-every", LogEvery);
        Environment();
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new OptionException("--lr", $"learning rate {LearningRate} must be a positive number.");
        if (!(Eta >= 0) || !float.IsFinite(Eta)) throw new OptionException("--eta", $"eta {Eta} must be >= 0 (0 gives the hard gate).");
        if (!float.IsFinite(Lambda)) throw new OptionException("--lambda", $"lambda {Lambda} must be a finite number.");
        Frictions();
        try { Losses.LossCatalog.Create(Method, LossOptions(), new Numerics.Rng(0)); }
        catch (ArgumentException e) { throw new OptionException("--method", e is ArgumentOutOfRangeException o && o.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message.Replace(" (Parameter 'options')", "")); }
        try { LearnerOptions(); }
        catch (ArgumentException e) { throw new OptionException("--kondo", e is ArgumentOutOfRangeException o && o.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message); }
        if (PromptsPerBatch * SamplesPerPrompt > 10_000)
            throw new OptionException("--prompts", $"prompts × samples = {PromptsPerBatch * SamplesPerPrompt} rows per batch is above the 10000 supported.");
    }

    static void Positive(string option, int value)
    {
        if (value <= 0) throw new OptionException(option, $"{option} must be a positive integer, got {value.ToString(CultureInfo.InvariantCulture)}.");
    }
}

/// <summary>A bad option value: the message names the option, the value and the fix.</summary>
public sealed class OptionException(string option, string message) : Exception(message)
{
    public string Option { get; } = option;
}
