namespace Delight;

/// <summary>
/// What the learner accepts: every received rollout must have exactly these lengths, tokens inside these
/// vocabularies, and at most <see cref="MaxRows"/> rows. Built from the task, so actor and learner agree by
/// construction when they share the run's configuration.
/// </summary>
public sealed record RolloutShape
{
    public RolloutShape(int promptLength, int answerLength, int vocabularySize, int promptVocabularySize, int maxRows)
    {
        if (promptLength < 0) throw new ArgumentOutOfRangeException(nameof(promptLength), $"prompt length {promptLength} must be >= 0.");
        if (answerLength < 1) throw new ArgumentOutOfRangeException(nameof(answerLength), $"answer length {answerLength} must be >= 1.");
        if (vocabularySize < 1) throw new ArgumentOutOfRangeException(nameof(vocabularySize), $"vocabulary size {vocabularySize} must be >= 1.");
        if (promptVocabularySize < 1)
            throw new ArgumentOutOfRangeException(nameof(promptVocabularySize), $"prompt vocabulary size {promptVocabularySize} must be >= 1.");
        if (maxRows < 1) throw new ArgumentOutOfRangeException(nameof(maxRows), $"max rows {maxRows} must be >= 1.");
        PromptLength = promptLength;
        AnswerLength = answerLength;
        VocabularySize = vocabularySize;
        PromptVocabularySize = promptVocabularySize;
        MaxRows = maxRows;
    }

    public int PromptLength { get; }
    public int AnswerLength { get; }
    /// <summary>Answer tokens are in [0, VocabularySize).</summary>
    public int VocabularySize { get; }
    /// <summary>Prompt tokens are in [0, PromptVocabularySize).</summary>
    public int PromptVocabularySize { get; }
    public int MaxRows { get; }
    public int Length => PromptLength + AnswerLength;

    public static RolloutShape For(ITokenEnvironment environment, int maxRows) => new(
        environment.PromptLength, environment.AnswerLength, environment.VocabularySize, environment.PromptVocabularySize, maxRows);

    /// <summary>A rollout buffer that can hold any rollout of this shape.</summary>
    public Rollout NewRollout() => new(MaxRows, PromptLength, AnswerLength);
}
