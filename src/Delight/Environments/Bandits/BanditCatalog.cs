namespace Delight.Environments.Bandits;

/// <summary>
/// The bandit tasks of <see cref="TaskCatalog"/>: names to models, built from <see cref="TaskOptions"/>'s bandit knobs
/// (--arms, --contexts, --context-skew, --gap, --arm-noise, --best-arm-noise). They are kept out of
/// <see cref="TaskCatalog.Names"/> (the token tasks `train --task` lists) because they need the tabular policy, whose
/// input is the context id (<see cref="ITokenEnvironment.PromptVocabularySize"/>), not a token sequence.
/// </summary>
public static class BanditCatalog
{
    /// <summary>bandit (K arms, one context), bandit_contexts (C contexts), gambling (two arms, noisy worse arm).</summary>
    public static IReadOnlyList<string> Names { get; } = ["bandit", "bandit_contexts", "gambling"];

    public static bool Contains(string name) => Names.Contains(name);

    /// <summary>The named bandit's table, for the environment and the exact gradients alike.</summary>
    public static IBanditModel CreateModel(string name, TaskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RefuseInapplicable(name, options);
        return name switch
        {
            "bandit" => new ArmedBandit(new ArmedBanditOptions { ArmCount = options.Arms }),
            "bandit_contexts" => new ContextBandit(new ContextBanditOptions
            {
                ContextCount = options.Contexts ?? new ContextBanditOptions().ContextCount,
                ArmCount = options.Arms ?? ArmedBanditOptions.DefaultArmCount,
                ContextSkew = options.ContextSkew,
            }),
            "gambling" => new GamblingBandit(new GamblingOptions
            {
                Gap = options.Gap ?? new GamblingOptions().Gap,
                ArmNoiseStd = options.ArmNoise ?? new GamblingOptions().ArmNoiseStd,
                BestArmNoiseStd = options.BestArmNoise,
            }),
            _ => throw new Runtime.OptionException("--task", $"unknown bandit '{name}'; choose one of: {string.Join(", ", Names)}."),
        };
    }

    /// <summary>The named bandit as a one-step token task.</summary>
    public static ITokenEnvironment Create(string name, TaskOptions options) => BanditEnvironment.Create(CreateModel(name, options));

    /// <summary>
    /// A bandit knob on a task that lacks it, or a token-task shape knob on a bandit, is refused with the fix, never
    /// ignored. Called by <see cref="TaskCatalog"/> for every task.
    /// </summary>
    public static void RefuseInapplicable(string name, TaskOptions options)
    {
        var isBandit = Contains(name);
        if (options.Arms is { } arms && name is not ("bandit" or "bandit_contexts"))
            throw new Runtime.OptionException("--arms", $"--arms applies only to bandit and bandit_contexts ({name} {(name == "gambling" ? "has two arms" : "is a token task")}); drop --arms {arms}.");
        if (options.Contexts is { } contexts && name != "bandit_contexts")
            throw new Runtime.OptionException("--contexts", $"--contexts applies only to bandit_contexts; drop --contexts {contexts}, or choose --task bandit_contexts.");
        if (options.ContextSkew != 0 && name != "bandit_contexts")
            throw new Runtime.OptionException("--context-skew", $"--context-skew applies only to bandit_contexts; drop --context-skew {options.ContextSkew}.");
        if (name != "gambling" && (options.Gap is not null || options.ArmNoise is not null || options.BestArmNoise != 0))
            throw new Runtime.OptionException("--gap", $"--gap, --arm-noise and --best-arm-noise apply only to gambling; drop them for {name}.");
        if (!isBandit) return;
        if (options.Vocabulary is { } vocab)
            throw new Runtime.OptionException("--vocab", $"{name}'s answer is one arm; drop --vocab {vocab}{(name == "gambling" ? " (gambling has two arms)" : " and set --arms instead")}.");
        if (options.PromptLength is { } prompt)
            throw new Runtime.OptionException("--prompt-length", $"{name}'s prompt is one context id; drop --prompt-length {prompt}{(name == "bandit_contexts" ? " and set --contexts instead" : "")}.");
        if (options.AnswerLength is { } answer)
            throw new Runtime.OptionException("--answer-length", $"{name}'s answer is one arm; drop --answer-length {answer}.");
        if (options.NumPairs is { } pairs)
            throw new Runtime.OptionException("--pairs", $"--pairs applies only to key_value; drop --pairs {pairs} for {name}.");
    }
}
