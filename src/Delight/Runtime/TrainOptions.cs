using System.Globalization;

namespace Delight.Runtime;

/// <summary>Everything a synchronous token-task run needs. Validated once, before anything is written.</summary>
public sealed record TrainOptions
{
    public string Task { get; init; } = "reversal";
    /// <summary>pg (REINFORCE with the grouped baseline) or dg (delightful policy gradient).</summary>
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
    /// <summary>H: prompt length of the reversal task.</summary>
    public int PromptLength { get; init; } = 10;
    /// <summary>M: vocabulary of the reversal task.</summary>
    public int Vocabulary { get; init; } = 2;

    public static readonly string[] Tasks = ["reversal"];
    public static readonly string[] Methods = ["pg", "dg"];

    public void Validate()
    {
        if (!Tasks.Contains(Task)) throw new OptionException("--task", $"unknown task '{Task}'; choose one of: {string.Join(", ", Tasks)}.");
        if (!Methods.Contains(Method)) throw new OptionException("--method", $"unknown method '{Method}'; choose one of: {string.Join(", ", Methods)}.");
        Positive("--steps", Steps);
        Positive("--prompts", PromptsPerBatch);
        Positive("--samples", SamplesPerPrompt);
        Positive("--eval-rows", EvaluationRows);
        Positive("--log-every", LogEvery);
        Positive("--prompt-length", PromptLength);
        if (Vocabulary < 2) throw new OptionException("--vocab", $"vocabulary {Vocabulary} must be >= 2.");
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new OptionException("--lr", $"learning rate {LearningRate} must be a positive number.");
        if (!(Eta >= 0) || !float.IsFinite(Eta)) throw new OptionException("--eta", $"eta {Eta} must be >= 0 (0 gives the hard gate).");
        if (!float.IsFinite(Lambda)) throw new OptionException("--lambda", $"lambda {Lambda} must be a finite number.");
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
