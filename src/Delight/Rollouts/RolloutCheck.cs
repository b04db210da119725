using Delight.Frictions;

namespace Delight;

/// <summary>Why a rollout cannot be learned from.</summary>
public enum RolloutFault
{
    None = 0,
    /// <summary>Prompt/answer length or grouping differs from the task's, or there are no rows.</summary>
    WrongShape,
    /// <summary>More rows than the learner takes in one step.</summary>
    TooManyRows,
    /// <summary>A prompt or answer token outside its vocabulary.</summary>
    TokenOutOfVocabulary,
    /// <summary>A reward is NaN or infinite.</summary>
    NonFiniteReward,
    /// <summary>A behaviour log-prob is NaN or infinite.</summary>
    NonFiniteLogProb,
    /// <summary>A behaviour log-prob is above 0, i.e. a probability above 1.</summary>
    PositiveLogProb,
    /// <summary>The method or the screen reads behaviour log-probs and the rollout carries none.</summary>
    MissingLogProbs,
    /// <summary>A row friction has bits no <see cref="RowFriction"/> defines, or the policy version is negative.</summary>
    BadField,
}

/// <summary>The outcome of a <see cref="RolloutCheck"/>: valid, or the fault and a one-line message naming the row.</summary>
public readonly record struct RolloutVerdict(RolloutFault Fault, string Message)
{
    public static RolloutVerdict Valid => default;
    public bool IsValid => Fault == RolloutFault.None;
    public static RolloutVerdict Fail(RolloutFault fault, string message) => new(fault, message);
}

/// <summary>
/// The one set of rules a rollout must meet before a learner may use it: the task's shape (<see cref="Shape"/>), whole
/// groups, tokens inside their vocabularies, finite rewards, behaviour log-probs finite and ≤ 0 where present, defined
/// friction bits, a version ≥ 0 — and, when the method or the screen reads behaviour log-probs, that they are present.
/// The learner's prescreen throws on a fault; the distributed decoder dead-letters the message before the learner
/// sees it. Reads only; allocates only to describe a fault.
/// </summary>
public sealed class RolloutCheck
{
    const RowFriction AllFrictions = RowFriction.Bug | RowFriction.Discovery | RowFriction.Random | RowFriction.RewardFlip | RowFriction.Stale;

    /// <param name="behaviourLogProbsNeededBy">who reads behaviour log-probs ("method 'ppo'", "speculative screening"); null: nobody</param>
    public RolloutCheck(RolloutShape shape, string? behaviourLogProbsNeededBy = null)
    {
        Shape = shape;
        BehaviourLogProbsNeededBy = behaviourLogProbsNeededBy;
    }

    public RolloutShape Shape { get; }
    public string? BehaviourLogProbsNeededBy { get; }

    /// <summary>What the learner of <paramref name="loss"/> needs: behaviour log-probs when the loss or a speculative screen reads them.</summary>
    public static string? NeedsOf(ILoss loss, bool speculativeScreen) =>
        loss.NeedsBehaviourLogProbs ? $"method '{loss.Name}'" : speculativeScreen ? "speculative screening" : null;

    public RolloutVerdict Check(Rollout rollout)
    {
        int rows = rollout.RowCount, samples = rollout.SamplesPerPrompt, length = Shape.Length;
        if (rollout.PromptLength != Shape.PromptLength || rollout.AnswerLength != Shape.AnswerLength)
            return Fail(RolloutFault.WrongShape, $"prompt+answer length {rollout.PromptLength}+{rollout.AnswerLength}; the task's is {Shape.PromptLength}+{Shape.AnswerLength}.");
        if (rows > Shape.MaxRows)
            return Fail(RolloutFault.TooManyRows, $"{rows} rows; the learner takes 1 to {Shape.MaxRows}.");
        if (rows < 1 || samples < 1 || rows % samples != 0)
            return Fail(RolloutFault.WrongShape, $"{rows} rows in groups of {samples}: need >= 1 row and whole groups.");
        if (rollout.PolicyVersion < 0)
            return Fail(RolloutFault.BadField, $"policy version {rollout.PolicyVersion} is negative.");
        var tokens = rollout.Tokens.AsSpan(0, rows * length);
        for (var i = 0; i < tokens.Length; i++)
        {
            var column = i % length;
            var inPrompt = column < Shape.PromptLength;
            var vocabulary = inPrompt ? Shape.PromptVocabularySize : Shape.VocabularySize;
            if ((uint)tokens[i] >= (uint)vocabulary)
                return Fail(RolloutFault.TokenOutOfVocabulary,
                    $"{(inPrompt ? "prompt" : "answer")} token {tokens[i]} at row {i / length}, position {column} is outside [0, {vocabulary}).");
        }
        for (var r = 0; r < rows; r++)
            if (!float.IsFinite(rollout.Rewards[r]))
                return Fail(RolloutFault.NonFiniteReward, $"row {r} has a non-finite reward {rollout.Rewards[r]}; rewards must be finite numbers.");
        if (rollout.HasTaskScores)
            for (var r = 0; r < rows; r++)
                if (!float.IsFinite(rollout.TaskScores[r]))
                    return Fail(RolloutFault.NonFiniteReward, $"row {r} has a non-finite task score {rollout.TaskScores[r]}; task scores must be finite numbers.");
        if (rollout.HasBehaviourLogProbs)
        {
            // Prompt positions hold 0 by convention; they are checked too, so a corrupt message cannot hide there.
            var logProbs = rollout.BehaviourLogProbs.AsSpan(0, rows * length);
            for (var i = 0; i < logProbs.Length; i++)
            {
                var value = logProbs[i];
                if (!float.IsFinite(value))
                    return Fail(RolloutFault.NonFiniteLogProb, $"behaviour log-prob at row {i / length}, position {i % length} is {value}; log-probs must be finite and <= 0.");
                if (value > 0)
                    return Fail(RolloutFault.PositiveLogProb, $"behaviour log-prob {value} at row {i / length}, position {i % length} is above 0; log-probs must be finite and <= 0.");
            }
        }
        else if (BehaviourLogProbsNeededBy is { } who)
            return Fail(RolloutFault.MissingLogProbs,
                $"{who} needs behaviour log-probs, but the rollout carries none; use an actor that records them or a method that does not need them (pg, dg, kondo).");
        for (var r = 0; r < rows; r++)
            if ((rollout.RowFrictions[r] & ~AllFrictions) != 0)
                return Fail(RolloutFault.BadField, $"row {r} friction 0x{(byte)rollout.RowFrictions[r]:X2} has undefined bits.");
        return RolloutVerdict.Valid;
    }

    static RolloutVerdict Fail(RolloutFault fault, string message) => RolloutVerdict.Fail(fault, message);
}
