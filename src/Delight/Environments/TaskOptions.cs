namespace Delight.Environments;

/// <summary>
/// The task part of a run: which task (<see cref="Name"/>) and the knobs of <see cref="TaskCatalog.Create(TaskOptions)"/>: the task's shape (null = the task's egg default), reversal's reward
/// variants, and the environment frictions (each off at its default). A knob that does not apply to the chosen task
/// is refused rather than ignored.
/// </summary>
public sealed record TaskOptions
{
    /// <summary>The task's name in <see cref="TaskCatalog.Names"/> (--task).</summary>
    [Runtime.Option("task", "Task: reversal, bit_parity, key_value, subsequence_match, mnist or a bandit.")]
    public string Name { get; init; } = "reversal";
    /// <summary>Prompt length (--prompt-length); null = task default (reversal 10, bit_parity 10, subsequence_match 2). key_value's is 2·pairs + 1.</summary>
    [Runtime.Option("prompt-length", "Prompt length H (default: the task's; 10 for reversal).", Min = 1, Max = 1_000)]
    public int? PromptLength { get; init; }
    /// <summary>Vocabulary size (--vocab); null = task default (reversal 2, key_value 10, subsequence_match 5). bit_parity is fixed at 2.</summary>
    [Runtime.Option("vocab", "Vocabulary M (default: the task's; 2 for reversal).", Min = 2, Max = 65_536)]
    public int? Vocabulary { get; init; }
    /// <summary>MNIST cache folder (--mnist-dir); null = where `delight data mnist` puts the files.</summary>
    [Runtime.Option("mnist-dir", "mnist: folder with the four IDX files (default: where `delight data mnist` puts them).")]
    public string? MnistFolder { get; init; }
    /// <summary>Answer length (--answer-length), subsequence_match only; null = 32.</summary>
    [Runtime.Option("answer-length", "subsequence_match: answer length.", Min = 1, Max = 1_000)]
    public int? AnswerLength { get; init; }
    /// <summary>Key-value pairs (--pairs), key_value only; null = 5.</summary>
    [Runtime.Option("pairs", "key_value: number of key/value pairs.", Min = 1, Max = 1_000)]
    public int? NumPairs { get; init; }

    /// <summary>Reversal: the target is the prompt reversed (true) or copied.</summary>
    public bool TargetReverse { get; init; } = true;
    /// <summary>Reversal: the target is the prompt copied (the CLI's positive spelling of !TargetReverse).</summary>
    [Runtime.Option("forward", "reversal: the target is the prompt copied, not reversed.")]
    public bool Forward { get => !TargetReverse; init => TargetReverse = !value; }
    /// <summary>Reversal: credit every correct position (the CLI's positive spelling of !RewardToFirstError).</summary>
    [Runtime.Option("dense", "reversal: credit every correct position, not only those before the first error.")]
    public bool Dense { get => !RewardToFirstError; init => RewardToFirstError = !value; }
    /// <summary>Reversal: target tokens +1 mod M.</summary>
    [Runtime.Option("increment", "reversal: target tokens + 1 mod M.")]
    public bool TargetIncrement { get; init; }
    /// <summary>Reversal: credit stops at the first error (true) or counts every correct position.</summary>
    public bool RewardToFirstError { get; init; } = true;
    /// <summary>Reversal: κ, the partial-credit weight (≤ 1).</summary>
    [Runtime.Option("kappa", "reversal: R = κ·c + (1 − κ)·1[all correct].", Min = 0, Max = 1)]
    public float Kappa { get; init; } = 1f;

    /// <summary>Finite data set of this many prompts (--finite-prompts); null = fresh prompts.</summary>
    [Runtime.Option("finite-prompts", "Draw prompts from a fixed set of this size.", Min = 1, Max = 1_000_000)]
    public int? FinitePrompts { get; init; }
    /// <summary>Seed of the finite prompt set (--finite-prompt-seed).</summary>
    [Runtime.Option("finite-prompt-seed", "Seed of the finite prompt set.")]
    public ulong FinitePromptSeed { get; init; } = 42;
    /// <summary>Probability a prompt becomes all zeros (--zero-prompt-prob); 0 = off.</summary>
    [Runtime.Option("zero-prompt-prob", "Replace prompts by zeros with this probability.", Min = 0, Max = 1)]
    public float ZeroPromptProb { get; init; }
    /// <summary>Reward noise σ on all-zero prompt and answer (--zero-noise-std); needs --zero-prompt-prob &gt; 0.</summary>
    [Runtime.Option("zero-noise-std", "Extra reward noise on the all-zeros prompt and answer.", Min = 0, Max = 1e6)]
    public float ZeroNoiseStd { get; init; }
    /// <summary>Landmine: an all-zeros answer (zeros of the answer length, gapped) adds <see cref="LandminePenalty"/> (--landmine).</summary>
    [Runtime.Option("landmine", "Penalise answers containing the landmine (all zeros).")]
    public bool Landmine { get; init; }
    /// <summary>Added to the reward on a landmine hit (--landmine-penalty).</summary>
    [Runtime.Option("landmine-penalty", "Reward added on a landmine hit.", Min = -1e6, Max = 1e6)]
    public float LandminePenalty { get; init; } = -1f;
    /// <summary>Noise σ on the landmine penalty (--landmine-std).</summary>
    [Runtime.Option("landmine-std", "Noise std of the landmine penalty.", Min = 0, Max = 1e6)]
    public float LandmineStd { get; init; }
    /// <summary>Forbidden token (--poison-token); null = off.</summary>
    [Runtime.Option("poison-token", "Penalise answers containing this token.", Min = 0, Max = 65_535)]
    public int? PoisonToken { get; init; }
    /// <summary>Added when the answer contains the poison token (--poison-reward).</summary>
    [Runtime.Option("poison-reward", "Reward added when the answer contains the poison token.", Min = -1e6, Max = 1e6)]
    public float PoisonReward { get; init; } = -10f;

    /// <summary>Bandits: K arms (--arms), bandit and bandit_contexts; null = 100 (the DG paper's tabular K).</summary>
    [Runtime.Option("arms", "bandit, bandit_contexts: number of arms K (default 100).", Min = 2, Max = 1_000_000)]
    public int? Arms { get; init; }
    /// <summary>Bandits: C contexts (--contexts), bandit_contexts only; null = 10.</summary>
    [Runtime.Option("contexts", "bandit_contexts: number of contexts C (default 10).", Min = 1, Max = 1_000_000)]
    public int? Contexts { get; init; }
    /// <summary>Bandits: context frequency skew s ≥ 0, p(c) ∝ (c + 1)^(−s) (--context-skew), bandit_contexts only; 0 = uniform.</summary>
    [Runtime.Option("context-skew", "bandit_contexts: context frequency skew s, p(c) ∝ (c + 1)^(−s); 0 = uniform.", Min = 0, Max = 100)]
    public float ContextSkew { get; init; }
    /// <summary>Gambling: gap Δ &gt; 0 between the best and the worse arm's mean (--gap); null = 0.5.</summary>
    [Runtime.Option("gap", "gambling: gap Δ between the best and the worse arm (default 0.5).", Min = 0, Max = 1e6)]
    public float? Gap { get; init; }
    /// <summary>Gambling: the worse arm's Gaussian reward noise σ (--arm-noise); null = 1.</summary>
    [Runtime.Option("arm-noise", "gambling: Gaussian reward noise σ of the worse arm (default 1).", Min = 0, Max = 1e6)]
    public float? ArmNoise { get; init; }
    /// <summary>Gambling: the best arm's reward noise (--best-arm-noise); 0 = the paper's differential noise.</summary>
    [Runtime.Option("best-arm-noise", "gambling: reward noise of the best arm (0: noise on the worse arm only).", Min = 0, Max = 1e6)]
    public float BestArmNoise { get; init; }

    /// <summary>The checks that do not depend on the task; the catalog checks the rest against the chosen task.</summary>
    public void Validate()
    {
        if (PromptLength is < 1) throw new Runtime.OptionException("--prompt-length", $"--prompt-length {PromptLength} must be >= 1 (or omit it for the task's default).");
        if (Vocabulary is < 2) throw new Runtime.OptionException("--vocab", $"--vocab {Vocabulary} must be >= 2 (or omit it for the task's default).");
        if (AnswerLength is < 1) throw new Runtime.OptionException("--answer-length", $"--answer-length {AnswerLength} must be >= 1 (or omit it for the task's default).");
        if (NumPairs is < 1) throw new Runtime.OptionException("--pairs", $"--pairs {NumPairs} must be >= 1 (or omit it for the default 5).");
        if (FinitePrompts is < 1) throw new Runtime.OptionException("--finite-prompts", $"--finite-prompts {FinitePrompts} must be >= 1 (or omit it for fresh prompts).");
        if (PoisonToken is < 0) throw new Runtime.OptionException("--poison-token", $"--poison-token {PoisonToken} must be a token >= 0 (or omit it to turn the poison off).");
        TokenEnvironmentWrapper.CheckProbability("--zero-prompt-prob", ZeroPromptProb);
        TokenEnvironmentWrapper.CheckStd("--zero-noise-std", ZeroNoiseStd);
        if (ZeroNoiseStd > 0f && ZeroPromptProb == 0f)
            throw new Runtime.OptionException("--zero-noise-std", $"--zero-noise-std {ZeroNoiseStd} has no effect without zero prompts: set --zero-prompt-prob > 0, or drop --zero-noise-std.");
        TokenEnvironmentWrapper.CheckFinite("--landmine-penalty", LandminePenalty);
        TokenEnvironmentWrapper.CheckStd("--landmine-std", LandmineStd);
        TokenEnvironmentWrapper.CheckFinite("--poison-reward", PoisonReward);
        if (Arms is < 2) throw new Runtime.OptionException("--arms", $"--arms {Arms} must be >= 2 (or omit it for the default 100).");
        if (Contexts is < 1) throw new Runtime.OptionException("--contexts", $"--contexts {Contexts} must be >= 1 (or omit it for the default 10).");
        if (!(ContextSkew >= 0) || !float.IsFinite(ContextSkew))
            throw new Runtime.OptionException("--context-skew", $"--context-skew {ContextSkew} must be a finite number >= 0 (0 = uniform contexts).");
        if (Gap is { } gap && (!(gap > 0) || !float.IsFinite(gap)))
            throw new Runtime.OptionException("--gap", $"--gap {gap} must be a finite number > 0 (or omit it for the default 0.5).");
        if (ArmNoise is { } armNoise) TokenEnvironmentWrapper.CheckStd("--arm-noise", armNoise);
        TokenEnvironmentWrapper.CheckStd("--best-arm-noise", BestArmNoise);
    }
}
