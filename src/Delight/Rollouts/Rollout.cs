namespace Delight;

/// <summary>
/// What an actor sends: rows × tokens of one step, grouped contiguously by prompt (row r belongs to group r / samples).
/// Fixed capacity, filled in place every step (no allocation in the loop).
/// </summary>
public sealed class Rollout(int capacity, int promptLength, int answerLength)
{
    public int Capacity { get; } = capacity;
    public int PromptLength { get; } = promptLength;
    public int AnswerLength { get; } = answerLength;
    public int Length => PromptLength + AnswerLength;
    public int RowCount { get; set; }
    /// <summary>Samples per prompt; rows r and r' share a prompt iff r / SamplesPerPrompt == r' / SamplesPerPrompt.</summary>
    public int SamplesPerPrompt { get; set; } = 1;
    /// <summary>[rows, Length]: prompt then answer.</summary>
    public int[] Tokens { get; } = new int[capacity * (promptLength + answerLength)];
    /// <summary>[rows, Length] behaviour log-probs in the sampler convention (prompt positions 0).</summary>
    /// <remarks>Meaningful only when <see cref="HasBehaviourLogProbs"/>.</remarks>
    public float[] BehaviourLogProbs { get; } = new float[capacity * (promptLength + answerLength)];
    /// <summary>False when the actor did not record behaviour log-probs (methods that need them then refuse the rollout).</summary>
    public bool HasBehaviourLogProbs { get; set; } = true;
    /// <summary>[rows]: what the learner trains on, frictions and wrapper penalties included.</summary>
    public float[] Rewards { get; } = new float[capacity];
    /// <summary>
    /// [rows]: the task's own score of each row's answer, before reward frictions (noise, flips) and the wrappers'
    /// penalties (landmine, poison): what the batch's error is measured on, so it stays the task's error.
    /// </summary>
    /// <remarks>Meaningful only when <see cref="HasTaskScores"/>.</remarks>
    public float[] TaskScores { get; } = new float[capacity];
    /// <summary>False when the producer did not record task scores; the batch's error then falls back to the rewards.</summary>
    public bool HasTaskScores { get; set; }
    /// <summary>Policy version the actor sampled with.</summary>
    public long PolicyVersion { get; set; }
    /// <summary>[rows]: the frictions that touched each row.</summary>
    public Frictions.RowFriction[] RowFrictions { get; } = new Frictions.RowFriction[capacity];

    public ReadOnlySpan<int> Prompt(int row) => Tokens.AsSpan(row * Length, PromptLength);
    public ReadOnlySpan<int> Answer(int row) => Tokens.AsSpan(row * Length + PromptLength, AnswerLength);
    public int GroupCount => RowCount / SamplesPerPrompt;

    public float MeanReward() => Mean(Rewards);

    /// <summary>The mean task score, or the mean reward when the producer recorded no task scores.</summary>
    public float MeanTaskScore() => HasTaskScores ? Mean(TaskScores) : MeanReward();

    float Mean(float[] values)
    {
        var sum = 0.0;
        for (var r = 0; r < RowCount; r++) sum += values[r];
        return RowCount == 0 ? 0f : (float)(sum / RowCount);
    }
}
