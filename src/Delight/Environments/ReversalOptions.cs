namespace Delight.Environments;

/// <summary>
/// Token reversal (egg reverse_copy.py). Defaults are the reference's: H = 10 prompt tokens from M = 2, answer the
/// prompt reversed, reward the fraction of positions correct before the first error, κ = 1.
/// </summary>
public sealed record ReversalOptions
{
    /// <summary>H: prompt (and answer) length.</summary>
    public int PromptLength { get; init; } = 10;
    /// <summary>M: vocabulary size.</summary>
    public int VocabularySize { get; init; } = 2;
    /// <summary>Target is the prompt reversed (true) or copied (false).</summary>
    public bool TargetReverse { get; init; } = true;
    /// <summary>Target tokens are incremented mod M (a bit flip when M = 2).</summary>
    public bool TargetIncrement { get; init; }
    /// <summary>Credit counts correct positions before the first error (true) or all correct positions (false).</summary>
    public bool RewardToFirstError { get; init; } = true;
    /// <summary>κ: R = κ·c + (1 − κ)·1[all correct]; must be ≤ 1.</summary>
    public float Kappa { get; init; } = 1f;

    public void Validate()
    {
        if (PromptLength < 1) throw new Runtime.OptionException("--prompt-length", $"prompt length {PromptLength} must be >= 1 (--prompt-length).");
        if (VocabularySize < 2) throw new Runtime.OptionException("--vocab", $"vocabulary {VocabularySize} must be >= 2 (--vocab).");
        if (!(Kappa <= 1f)) throw new Runtime.OptionException("--kappa", $"--kappa {Kappa} must be <= 1 (the partial-credit weight).");
    }
}
