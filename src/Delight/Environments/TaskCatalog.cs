namespace Delight.Environments;

/// <summary>What a task trains with unless told otherwise.</summary>
public sealed record TaskDefaults(int Prompts, int Samples, float LearningRate, Runtime.OptimizerKind Optimizer, Learning.AdvantageEstimator Advantage);

/// <summary>
/// Task names to environments (egg environments/catalog.py), with the frictions of <see cref="TaskOptions"/> stacked
/// in one fixed order, inner → outer:
/// task → FinitePromptSet → ZerosPrompt → LandmineReward → PoisonTokenReward.
/// The finite set sits innermost so it holds the task's own prompts. Reward noise and coin flips are actor frictions
/// (Frictions/RewardCorruption.cs), applied as egg's dpg stack applies them: to the task's own score, before the
/// wrappers add their penalties (<see cref="ITokenEnvironment.TaskReward"/>, <see cref="ITokenEnvironment.AddWrapperRewards"/>).
/// Each wrapper is added only when its knob is on, and draws after the ones inside it (see <see cref="TokenEnvironmentWrapper"/>).
/// </summary>
public static class TaskCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["reversal", "bit_parity", "key_value", "subsequence_match", "mnist", .. Bandits.BanditCatalog.Names];

    /// <summary>
    /// The batch shape and optimizer a task trains with when the run does not say: the reference's 10 prompts × 10
    /// samples with Adam 3e-4 and the grouped baseline for token tasks; the papers' MNIST setting, 100 images × 1
    /// sample with Adam 1e-3 and the expected-confidence baseline (papers.md §0); bandits, 100 contexts × 1 sample
    /// with SGD 0.1 and the batch-mean baseline.
    /// </summary>
    public static TaskDefaults Defaults(string name) => name switch
    {
        "mnist" => new TaskDefaults(100, 1, 1e-3f, Runtime.OptimizerKind.Adam, Learning.AdvantageEstimator.ExpectedConfidence),
        // papers.md §1.3(b): tabular bandits with batch 100 and step size α = 0.1 (plain gradient steps).
        _ when Bandits.BanditCatalog.Contains(name) => new TaskDefaults(100, 1, 0.1f, Runtime.OptimizerKind.Sgd, Learning.AdvantageEstimator.Global),
        _ => new TaskDefaults(10, 10, 3e-4f, Runtime.OptimizerKind.Adam, Learning.AdvantageEstimator.Grouped),
    };

    /// <summary>The task <paramref name="options"/> names, with its frictions; an <see cref="Runtime.OptionException"/> naming the flag and the fix on bad input.</summary>
    public static ITokenEnvironment Create(TaskOptions options) => Create(options.Name, options);

    /// <summary>The task <paramref name="name"/> with the shape and frictions of <paramref name="options"/> (whose <see cref="TaskOptions.Name"/> is not read).</summary>
    public static ITokenEnvironment Create(string name, TaskOptions options)
    {
        options.Validate();
        return Wrap(CreateTask(name, options), options);
    }

    /// <summary>The bare task, without frictions.</summary>
    public static ITokenEnvironment CreateTask(string name, TaskOptions options)
    {
        ITokenEnvironment task = name switch
        {
            "reversal" => new ReversalEnvironment(new ReversalOptions
            {
                PromptLength = options.PromptLength ?? 10,
                VocabularySize = options.Vocabulary ?? 2,
                TargetReverse = options.TargetReverse,
                TargetIncrement = options.TargetIncrement,
                RewardToFirstError = options.RewardToFirstError,
                Kappa = options.Kappa,
            }),
            "bit_parity" => new BitParityEnvironment(new BitParityOptions { PromptLength = options.PromptLength ?? 10 }),
            "key_value" => new KeyValueEnvironment(new KeyValueOptions { NumPairs = options.NumPairs ?? 5, VocabularySize = options.Vocabulary ?? 10 }),
            "subsequence_match" => new SubsequenceMatchEnvironment(new SubsequenceMatchOptions
            {
                PromptLength = options.PromptLength ?? 2,
                AnswerLength = options.AnswerLength ?? 32,
                VocabularySize = options.Vocabulary ?? 5,
            }),
            "mnist" => new MnistEnvironment(MnistDataset.LoadShared(options.MnistFolder)),
            _ when Bandits.BanditCatalog.Contains(name) => Bandits.BanditCatalog.Create(name, options),
            _ => throw new Runtime.OptionException("--task", $"--task '{name}' is unknown; choose one of: {string.Join(", ", Names)}."),
        };
        RefuseInapplicable(name, task, options);
        return task;
    }

    /// <summary>Stacks the frictions that are on around <paramref name="task"/>, in the catalog's order.</summary>
    public static ITokenEnvironment Wrap(ITokenEnvironment task, TaskOptions options)
    {
        var env = task;
        if (options.FinitePrompts is { } count)
            env = FinitePromptSet.Wrap(env, new FinitePromptOptions { NumPrompts = count, Seed = options.FinitePromptSeed });
        if (options.ZeroPromptProb > 0f)
            env = ZerosPrompt.Wrap(env, new ZerosPromptOptions { ZeroPromptProb = options.ZeroPromptProb, ZeroNoiseStd = options.ZeroNoiseStd });
        if (options.Landmine)
            env = LandmineReward.Wrap(env, new LandmineOptions
            {
                LandmineSequence = new int[env.AnswerLength],
                LandmineReward = options.LandminePenalty,
                LandmineStd = options.LandmineStd,
            });
        if (options.PoisonToken is { } token)
            env = PoisonTokenReward.Wrap(env, new PoisonTokenOptions { PoisonToken = token, PoisonReward = options.PoisonReward });
        return env;
    }

    /// <summary>A shape knob the task does not have is refused, not silently ignored (unless it names the task's own value).</summary>
    static void RefuseInapplicable(string name, ITokenEnvironment task, TaskOptions options)
    {
        // The bandit knobs, and the token-shape knobs a bandit lacks (Bandits/BanditCatalog.cs).
        Bandits.BanditCatalog.RefuseInapplicable(name, options);
        if (options.Vocabulary is { } vocab && vocab != task.VocabularySize)
            throw new Runtime.OptionException("--vocab", $"{name}'s vocabulary is fixed at {task.VocabularySize}; drop --vocab {vocab}.");
        if (options.PromptLength is { } prompt && prompt != task.PromptLength)
            throw new Runtime.OptionException("--prompt-length", name == "key_value"
                ? $"{name}'s prompt is 2·pairs + 1 = {task.PromptLength} tokens; drop --prompt-length {prompt} and set --pairs instead."
                : $"{name}'s prompt is fixed at {task.PromptLength} token(s); drop --prompt-length {prompt}.");
        if (options.AnswerLength is { } answer && answer != task.AnswerLength)
            throw new Runtime.OptionException("--answer-length", $"--answer-length applies only to subsequence_match ({name}'s answer is {task.AnswerLength} tokens); drop --answer-length {answer}.");
        if (options.NumPairs is { } pairs && name != "key_value")
            throw new Runtime.OptionException("--pairs", $"--pairs applies only to key_value; drop --pairs {pairs} for {name}.");
    }
}
