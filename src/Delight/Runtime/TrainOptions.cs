using System.Globalization;
using Delight.Learning;
using Delight.Screens;

namespace Delight.Runtime;

/// <summary>Everything a synchronous token-task run needs. Validated once, before anything is written.</summary>
public sealed record TrainOptions
{
    [Option("task", "Task: reversal, bit_parity, key_value, subsequence_match, mnist or a bandit.")]
    public string Task { get; init; } = "reversal";
    [Option("method", "Method: pg, dg, is-pg, ppo, pmpo, vaco, kondo (pg behind the Kondo gate) or ce (supervised oracle).")]
    public string Method { get; init; } = "dg";
    [Option("steps", "Learner steps.", Min = 1, Max = 1e8)]
    public int Steps { get; init; } = 300;
    [Option("seed", "Run seed; same seed, same metrics (synchronous and simulated-lag runtimes).")]
    public ulong Seed { get; init; }
    [Option("prompts", "Prompts (contexts) per batch (default: the task's; 10 for token tasks, 100 for mnist).", Min = 1, Max = 10_000)]
    public int? Prompts { get; init; }
    [Option("samples", "Samples per prompt (default: the task's; 10 for token tasks, 1 for mnist).", Min = 1, Max = 10_000)]
    public int? Samples { get; init; }
    [Option("lr", "Learning rate (default: the task's; Adam 3e-4 for token tasks, 1e-3 for mnist).", Min = 0, Max = 1e3)]
    public float? Lr { get; init; }
    [Option("optimizer", "adam or sgd (default: the task's).")]
    public string? Optimizer { get; init; }
    /// <summary>Prompts per batch; each is sampled <see cref="SamplesPerPrompt"/> times (the reference's 10 × 10).</summary>
    public int PromptsPerBatch => Prompts ?? Defaults.Prompts;
    public int SamplesPerPrompt => Samples ?? Defaults.Samples;
    public float LearningRate => Lr ?? Defaults.LearningRate;
    public string OptimizerName => Optimizer ?? Defaults.Optimizer;
    /// <summary>The task's batch shape and optimizer, for whatever the options leave unset.</summary>
    public Environments.TaskDefaults Defaults => Environments.TaskCatalog.Defaults(Task);
    [Option("eta", "DG gate temperature η (0: hard gate).", Min = 0, Max = 1e6)]
    public float Eta { get; init; } = Losses.DelightfulPg.DefaultTemperature;
    [Option("lambda", "DG gate price λ.", Min = -1e6, Max = 1e6)]
    public float Lambda { get; init; }
    [Option("eval-rows", "Fresh prompts sampled (and held-out prompts decoded greedily) to measure error.", Min = 1, Max = 100_000)]
    public int EvaluationRows { get; init; } = 1000;
    [Option("eval-every", "Evaluate every N steps (0: only before and after training).", Min = 0, Max = 1e8)]
    public int EvaluateEvery { get; init; }
    [Option("direction-every", "Supervised tasks (mnist, reversal, …): every N steps log grad_cosine_oracle, the cosine of the update to the cross-entropy direction on the batch, and on mnist grad_cosine_true, to the exact on-policy gradient (one forward and two backwards extra; 0: never). Bandits log both every step.", Min = 0, Max = 1e8)]
    public int DirectionEvery { get; init; }
    [Option("log-every", "Write metrics every N steps.", Min = 1, Max = 1e8)]
    public int LogEvery { get; init; } = 1;
    [Option("runtime", "sync (default; deterministic, --staleness simulates lag) or async (actor threads beside the learner).")]
    public string Runtime { get; init; } = "sync";
    [Option("actors", "async: actor threads.", Min = 1, Max = 64)]
    public int Actors { get; init; } = 1;
    [Option("max-lag", "async: admission control; an actor waits rather than sample a batch the learner would apply more than K versions late.", Min = 0, Max = 1_000)]
    public int MaxLag { get; init; } = 4;
    [Option("checkpoint-every", "Write policy.safetensors and the training state every N steps (0: only at the end).", Min = 0, Max = 1e8)]
    public int CheckpointEvery { get; init; }
    [Option("tensorboard", "Also write TensorBoard scalars beside metrics.jsonl.")]
    public bool TensorBoard { get; init; }
    /// <summary>Task shape and reward options (length, vocabulary, variants, landmine, …): the nested options.</summary>
    public Environments.TaskOptions TaskOptions { get; init; } = new();
    /// <summary>Shorthands for the two most used task knobs.</summary>
    public int? PromptLength { get => TaskOptions.PromptLength; init => TaskOptions = TaskOptions with { PromptLength = value }; }
    public int? Vocabulary { get => TaskOptions.Vocabulary; init => TaskOptions = TaskOptions with { Vocabulary = value }; }
    /// <summary>The environment: the task with its reward wrappers. Reward noise and flips are actor frictions.</summary>
    public ITokenEnvironment Environment()
    {
        return Environments.TaskCatalog.Create(Task, TaskOptions);
    }

    /// <summary>Kondo gate: keep rate ρ ∈ (0, 1] (top fraction by priority).</summary>
    [Option("kondo-rate", "Kondo gate: keep the top fraction ρ ∈ (0, 1] by priority.", Min = 0, Max = 1)]
    public float? KondoRate { get; init; }
    /// <summary>Kondo gate: price λ (keep priority &gt; λ). Method kondo with neither rate nor price uses λ = 0.</summary>
    [Option("kondo-price", "Kondo gate: keep priority > λ (method kondo defaults to λ = 0).", Min = -1e6, Max = 1e6)]
    public float? KondoPrice { get; init; }
    [Option("kondo-priority", "delight, advantage, abs-advantage, surprisal, uniform or additive.")]
    public string KondoPriority { get; init; } = "delight";
    [Option("kondo-granularity", "Screen tokens or whole rows.")]
    public string KondoGranularity { get; init; } = "token";
    [Option("kondo-stochastic", "Keep with probability σ((priority − λ)/η): λ is --kondo-price, or with --kondo-rate the running (1 − ρ)-quantile of recent priorities.")]
    public bool KondoStochastic { get; init; }
    // ---- The Kondo gate as the papers define it (issue 14): a rate-targeted stochastic gate with a real η, row scores,
    // Horvitz–Thompson weights; and DG's sequence-level gate. Defaults leave every earlier run unchanged. ----
    [Option("kondo-eta", "Kondo stochastic gate: temperature η of σ((priority − λ)/η).", Min = 0, Max = 1e6)]
    public float KondoEta { get; init; } = 1f;
    [Option("kondo-history", "Kondo stochastic rate gate: λ is the (1 − ρ)-quantile of the last N priorities (tokens or rows, as gated).", Min = 1, Max = 1 << 20)]
    public int KondoHistory { get; init; } = 1024;
    [Option("kondo-warmup", "Kondo stochastic rate gate: keep everything until the history holds N priorities.", Min = 0, Max = 1 << 20)]
    public int KondoWarmup { get; init; } = 128;
    [Option("kondo-row-score", "Kondo row granularity: a row's score is the mean or the sum of its token priorities (default mean).")]
    public string? KondoRowScore { get; init; }
    [Option("kondo-ipw", "Kondo stochastic gate: divide kept rows' coefficients by their keep probability (Horvitz–Thompson; unbiased for the method behind the gate).")]
    public bool KondoIpw { get; init; }
    [Option("dg-granularity", "dg: a gate per token (token) or one per row on its mean delight (sequence).")]
    public string DgGranularity { get; init; } = "token";
    // ---- end of issue 14's block ----

    /// <summary>exact (learner surprisal) or speculative (the actor's recorded log-probs, before the learner forward).</summary>
    [Option("screen", "exact (learner log-probs) or speculative (actor's, before the forward).")]
    public string Screen { get; init; } = "exact";

    // ── Model size (issue 16) ────────────────────────────────────────────────────────────────────────────────
    /// <summary>The network's size: --width --layers --heads --ff (transformer), --hidden (MLP); null keeps the defaults.</summary>
    public Policies.ModelOptions Model { get; init; } = new();
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────

    public static IReadOnlyList<string> Tasks => Environments.TaskCatalog.Names;
    /// <summary>is-pg: ratio truncation ρ̄ (none when null).</summary>
    [Option("truncation", "is-pg: truncate importance ratios at ρ̄.", Min = 0, Max = 1e6)]
    public float? Truncation { get; init; }
    /// <summary>ppo: clip ε.</summary>
    [Option("epsilon", "ppo: clip ε.", Min = 0, Max = 1e3)]
    public float Epsilon { get; init; } = Losses.Ppo.DefaultEpsilon;
    /// <summary>ppo / pmpo: KL anchor β (null: the method's default, 0 for ppo and 0.1 for pmpo).</summary>
    [Option("beta", "ppo/pmpo: KL anchor β (default 0 for ppo, 0.1 for pmpo).", Min = 0, Max = 1e6)]
    public float? Beta { get; init; }
    /// <summary>pmpo: weight α of the accepted term.</summary>
    [Option("alpha", "pmpo: weight α of accepted rows.", Min = 0, Max = 1)]
    public float Alpha { get; init; } = Losses.Pmpo.DefaultAlpha;
    /// <summary>pmpo: γ in log(γ + π) of the rejected term.</summary>
    [Option("gamma", "pmpo: γ in log(γ + π) of rejected rows.", Min = 0, Max = 1e6)]
    public float Gamma { get; init; } = Losses.Pmpo.DefaultGamma;
    /// <summary>vaco: total-variation filter δ.</summary>
    [Option("delta", "vaco: total-variation filter δ.", Min = 0, Max = 1e3)]
    public float Delta { get; init; } = Losses.Vaco.DefaultDelta;
    [Option("dg-stochastic", "dg: Bernoulli gate weights.")]
    public bool DgStochastic { get; init; }
    [Option("delight-noise", "dg: Gaussian noise std added to delight.", Min = 0, Max = 1e6)]
    public float DelightNoise { get; init; }
    /// <summary>Actor frictions (--staleness, --bug-prob, …); see <see cref="Delight.Frictions.FrictionOptions"/>.</summary>
    [Option("staleness", "Actor samples with parameters up to D versions old.", Min = 0, Max = 10_000)]
    public int Staleness { get; init; }
    [Option("staleness-mode", "uniform (lag in [0, D]) or fixed (lag D).")]
    public string StalenessMode { get; init; } = "uniform";
    [Option("bug-prob", "Buggy rows: landmine answer (all zeros), wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float BugProb { get; init; }
    [Option("bug-logprobs", "Buggy rows' recorded log-probs: claimed (probability 1 for the junk answer) or actual (the actor's own log-probs of it).")]
    public string BugLogProbs { get; init; } = "claimed";
    [Option("discovery-prob", "Rare discovery: the correct answer, wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float DiscoveryProb { get; init; }
    [Option("random-prob", "Random answers, wrong behaviour log-probs.", Min = 0, Max = 1)]
    public float RandomProb { get; init; }
    [Option("reward-flip-prob", "Reward replaced by a fair coin in {0, 1}.", Min = 0, Max = 1)]
    public float RewardFlipProb { get; init; }
    [Option("reward-noise-std", "Gaussian noise added to rewards.", Min = 0, Max = 1e6)]
    public float RewardNoiseStd { get; init; }
    [Option("logit-noise", "Fixed Gaussian noise σ·u on the actor's logits.", Min = 0, Max = 1e6)]
    public float LogitNoise { get; init; }
    [Option("contamination", "One-step tasks: fraction ρ of actions drawn from a contaminating distribution (exact behaviour log-probs recorded).", Min = 0, Max = 1)]
    public float Contamination { get; init; }
    [Option("contamination-arm", "The contaminating distribution's single arm (default: uniform over arms).", Min = 0, Max = 1_000_000)]
    public int? ContaminationArm { get; init; }

    public Frictions.FrictionOptions Frictions()
    {
        var options = new Frictions.FrictionOptions
        {
            Staleness = new()
            {
                Versions = Staleness,
                Mode = StalenessMode switch
                {
                    "uniform" => Delight.Frictions.StalenessMode.Uniform,
                    "fixed" => Delight.Frictions.StalenessMode.Fixed,
                    _ => throw new OptionException("--staleness-mode", $"--staleness-mode '{StalenessMode}' is unknown; choose uniform or fixed."),
                },
            },
            Bug = new() { Prob = BugProb, LogProbs = Delight.Frictions.BugOptions.Parse(BugLogProbs) },
            Discovery = new() { Prob = DiscoveryProb },
            RandomAnswers = new() { Prob = RandomProb },
            Reward = new() { FlipProb = RewardFlipProb, NoiseStd = RewardNoiseStd },
            LogitNoise = new() { Std = LogitNoise },
            Contamination = new() { Rate = Contamination, Arm = ContaminationArm },
        };
        options.Validate();
        return options;
    }

    /// <summary>grouped (mean reward of the samples sharing a prompt) or global (batch mean).</summary>
    [Option("advantage", "Baseline: grouped (per prompt), global (batch mean) or expected-confidence (Σπ², one-step tasks); default: the task's.")]
    public string? Baseline { get; init; }
    /// <summary>The baseline in force: the option, else the task's (grouped for token tasks, expected-confidence for mnist).</summary>
    public string Advantage => Baseline ?? Defaults.Advantage;

    public static IReadOnlyList<string> Methods => Losses.LossCatalog.Names;

    public Losses.LossOptions LossOptions() => new()
    {
        Eta = Eta, Lambda = Lambda, Truncation = Truncation, Epsilon = Epsilon, Beta = Beta, Alpha = Alpha, Gamma = Gamma, Delta = Delta,
        DgStochastic = DgStochastic, DelightNoiseStd = DelightNoise,
        DgGranularity = DgGranularity switch
        {
            "token" => Losses.DgGranularity.Token,
            "sequence" => Losses.DgGranularity.Sequence,
            _ => throw new OptionException("--dg-granularity", $"--dg-granularity '{DgGranularity}' is unknown; choose token or sequence."),
        },
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
                Temperature = KondoEta,
                History = KondoHistory,
                Warmup = KondoWarmup,
                RowScore = KondoRowScore is null ? null : Screens.KondoOptions.ParseRowScore(KondoRowScore),
                InversePropensity = KondoIpw,
                Priority = Screens.KondoOptions.ParsePriority(KondoPriority),
                Granularity = KondoGranularity switch
                {
                    "token" => Screens.KondoGranularity.Token,
                    "row" => Screens.KondoGranularity.Row,
                    _ => throw new OptionException("--kondo-granularity", $"--kondo-granularity '{KondoGranularity}' is unknown; choose token or row."),
                },
            };
        }
        var screen = Screen switch
        {
            "exact" => ScreenMode.Exact,
            "speculative" => ScreenMode.Speculative,
            _ => throw new OptionException("--screen", $"--screen '{Screen}' is unknown; choose exact or speculative."),
        };
        var advantage = Advantage switch
        {
            "grouped" => AdvantageEstimator.Grouped,
            "global" => AdvantageEstimator.GlobalMean,
            "expected-confidence" => AdvantageEstimator.ExpectedConfidence,
            _ => throw new OptionException("--advantage", $"--advantage '{Advantage}' is unknown; choose grouped, global or expected-confidence."),
        };
        var options = new LearnerOptions { Kondo = kondo, Screen = screen, Advantage = advantage };
        options.Validate();
        return options;
    }

    public void Validate()
    {
        foreach (var entry in OptionTable.Entries) entry.CheckRange(entry.Get(this), "the options");
        if (!Tasks.Contains(Task)) throw new OptionException("--task", $"--task '{Task}' is unknown; choose one of: {string.Join(", ", Tasks)}.");
        if (!Methods.Contains(Method)) throw new OptionException("--method", $"--method '{Method}' is unknown; choose one of: {string.Join(", ", Methods)}.");
        Positive("--steps", Steps);
        Positive("--prompts", PromptsPerBatch);
        Positive("--samples", SamplesPerPrompt);
        Positive("--eval-rows", EvaluationRows);
        Positive("--log-every", LogEvery);
        NonNegative("--eval-every", EvaluateEvery);
        NonNegative("--direction-every", DirectionEvery);
        NonNegative("--checkpoint-every", CheckpointEvery);
        Positive("--actors", Actors);
        NonNegative("--max-lag", MaxLag);
        if (Runtime is not ("sync" or "async")) throw new OptionException("--runtime", $"--runtime '{Runtime}' is unknown; choose sync or async.");
        if (OptimizerName is not ("adam" or "sgd")) throw new OptionException("--optimizer", $"--optimizer '{OptimizerName}' is unknown; choose adam or sgd.");
        if (Advantage == "grouped" && SamplesPerPrompt == 1)
            throw new OptionException("--advantage", "the grouped baseline with --samples 1 gives every row advantage 0, so nothing is learned; use --advantage global or expected-confidence, or --samples 2 or more.");
        if (Runtime == "async" && Staleness > 0)
            throw new OptionException("--staleness", "--staleness simulates lag in the sync runtime; the async runtime has real lag (bounded by --max-lag). Drop one of them.");
        Environment();
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new OptionException("--lr", $"--lr {LearningRate} must be a positive number.");
        if (!(Eta >= 0) || !float.IsFinite(Eta)) throw new OptionException("--eta", $"--eta {Eta} must be >= 0 (0 gives the hard gate).");
        if (!float.IsFinite(Lambda)) throw new OptionException("--lambda", $"--lambda {Lambda} must be a finite number.");
        Frictions();
        // Each component checks the options it reads, throwing an OptionException that names the flag.
        Losses.LossCatalog.Create(Method, LossOptions(), new Numerics.Rng(0));
        LearnerOptions();
        if ((long)PromptsPerBatch * SamplesPerPrompt > MaxBatchRows)
            throw new OptionException("--prompts", $"--prompts {PromptsPerBatch} × --samples {SamplesPerPrompt} = {(long)PromptsPerBatch * SamplesPerPrompt} rows per batch is above the {MaxBatchRows} supported; lower --prompts or --samples.");
        CheckMemory();
    }

    /// <summary>Most rows in one batch (prompts × samples).</summary>
    public const int MaxBatchRows = 10_000;
    /// <summary>Most floats the simulated-lag snapshot ring may hold ((--staleness + 1) parameter copies; 1 GiB).</summary>
    public const long MaxSnapshotFloats = 1L << 28;
    /// <summary>Most floats a whole run may hold: policies, optimizer, snapshots and queued batches (8 GiB).</summary>
    public const double MaxRunFloats = 1L << 31;

    /// <summary>
    /// Products of options that size memory, computed before anything is allocated: the policy's shape, the snapshots
    /// --staleness keeps, and the whole run (a policy copy per actor, the async runtime's queued batches). The error
    /// names the largest part and the flags that size it.
    /// </summary>
    void CheckMemory()
    {
        var environment = Environment();
        (long Parameters, double Activations) policy;
        try { policy = PolicyFactory.CheckShape(environment, TrainingSession.PolicyRows(this), Model); }
        catch (ArgumentException e) when (e is not OptionException) // a size flag the task cannot use names itself
        {
            throw new OptionException("--task", $"the policy for this task and batch is too large: {e.Message} Lower --prompts × --samples, --prompt-length, --answer-length, --vocab, --arms or --contexts.");
        }
        var parameters = policy.Parameters;
        if ((Staleness + 1L) * parameters > MaxSnapshotFloats)
            throw new OptionException("--staleness", $"--staleness {Staleness} keeps {Staleness + 1} copies of the {parameters} parameters, more than the {MaxSnapshotFloats} floats supported; lower --staleness to at most {MaxSnapshotFloats / parameters - 1}.");
        var copies = 1 + (Runtime == "async" ? Actors : Staleness > 0 || LogitNoise > 0 ? 1 : 0);
        var batchFloats = 4.0 * PromptsPerBatch * SamplesPerPrompt * (environment.PromptLength + environment.AnswerLength);
        (string What, string Flags, double Floats)[] parts =
        [
            ($"{copies} policy copies of {parameters} parameters and {policy.Activations:0} activation floats each", Runtime == "async" ? "--actors or the model and batch size" : "the model and batch size", copies * (2.0 * parameters + policy.Activations)),
            ($"{Staleness + 1} parameter snapshots", "--staleness", Staleness > 0 ? (Staleness + 1.0) * parameters : 0),
            ($"{MaxLag + 1} queued batches of {batchFloats:0} floats", "--max-lag or --prompts × --samples", Runtime == "async" ? (MaxLag + 1.0) * batchFloats : 0),
        ];
        var total = parts.Sum(p => p.Floats) + 2.0 * parameters; // + Adam's two moments
        if (total > MaxRunFloats)
        {
            var largest = parts.MaxBy(p => p.Floats);
            throw new OptionException("--" + largest.Flags.Split(' ')[0].TrimStart('-'), $"this run would hold about {total * 4 / (1 << 30):0.#} GiB, more than the {MaxRunFloats * 4 / (1 << 30):0} GiB supported; most of it is {largest.What}: lower {largest.Flags}.");
        }
    }

    static void NonNegative(string option, int value)
    {
        if (value < 0) throw new OptionException(option, $"{option} must be >= 0, got {value.ToString(CultureInfo.InvariantCulture)}.");
    }

    static void Positive(string option, int value)
    {
        if (value <= 0) throw new OptionException(option, $"{option} must be a positive integer, got {value.ToString(CultureInfo.InvariantCulture)}.");
    }
}
