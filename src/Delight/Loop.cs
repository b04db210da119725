using Delight.Numerics;

namespace Delight;

// The whole system in one file: the world, the data, the loop.
// Environment → Actor → Rollout → Learner (forward → weights → screen → backward on kept rows → update) → policy
// version → Actor. Each folder of this project holds one of these roles, in this order.

// ── The world ────────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>
/// A stateless oracle over token sequences: it draws prompts and scores answers. All randomness comes from the Rng
/// the caller passes, so a seed fixes every prompt and reward.
/// </summary>
public interface ITokenEnvironment
{
    string Name { get; }
    /// <summary>Answer tokens are in [0, VocabularySize).</summary>
    int VocabularySize { get; }
    /// <summary>Prompt tokens are in [0, PromptVocabularySize): the vocabulary for token tasks, a context id (an image
    /// index, a bandit context) for one-step tasks.</summary>
    int PromptVocabularySize => VocabularySize;
    int PromptLength { get; }
    int AnswerLength { get; }
    void SamplePrompt(Rng rng, Span<int> prompt);
    float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng);

    /// <summary>
    /// The papers' error for a mean reward of the policy's own samples: 1 − R for rewards in [0, 1] (reversal);
    /// tasks scored ±1 report the fraction wrong, (1 − R)/2.
    /// </summary>
    double Error(double meanReward) => 1 - meanReward;
}

/// <summary>A task that knows the correct answer to a prompt: the cross-entropy oracle learns from it.</summary>
public interface ISupervisedTask
{
    void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer);
}

/// <summary>
/// A task with a fixed held-out set of prompts (MNIST's test images): its error is the greedy policy's error on
/// them. Tasks without one are evaluated on fresh prompts from a stream the training never draws from.
/// </summary>
public interface IHeldOutPrompts
{
    int HeldOutCount { get; }
    void WriteHeldOutPrompt(int index, Span<int> prompt);
}

// ── The data ─────────────────────────────────────────────────────────────────────────────────────────────────

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
    /// <summary>[rows]</summary>
    public float[] Rewards { get; } = new float[capacity];
    /// <summary>Policy version the actor sampled with.</summary>
    public long PolicyVersion { get; set; }
    /// <summary>[rows]: the frictions that touched each row.</summary>
    public Frictions.RowFriction[] RowFrictions { get; } = new Frictions.RowFriction[capacity];

    public ReadOnlySpan<int> Prompt(int row) => Tokens.AsSpan(row * Length, PromptLength);
    public ReadOnlySpan<int> Answer(int row) => Tokens.AsSpan(row * Length + PromptLength, AnswerLength);
    public int GroupCount => RowCount / SamplesPerPrompt;

    public float MeanReward()
    {
        var sum = 0.0;
        for (var r = 0; r < RowCount; r++) sum += Rewards[r];
        return RowCount == 0 ? 0f : (float)(sum / RowCount);
    }
}

// ── The loop ─────────────────────────────────────────────────────────────────────────────────────────────────

/// <summary>
/// A loss, seen by the learner as a coefficient on ∇log π of every answer token: the update is
/// Δθ ∝ Σ_t coefficient_t · ∇log π(a_t), normalised by the batch's token count.
/// </summary>
public interface ILoss
{
    string Name { get; }
    /// <summary>True when the loss reads the actor's behaviour log-probs (importance ratios, trust regions).</summary>
    bool NeedsBehaviourLogProbs { get; }
    /// <summary>Writes coefficient[row, token] from the signals and reports what it did.</summary>
    void Coefficients(in Learning.Signals signals, Span<float> coefficients, out Learning.LossStatistics statistics);
}
