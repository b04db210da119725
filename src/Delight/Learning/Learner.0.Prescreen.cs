namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>
    /// Validates the rollout once, computes advantages over the whole batch (so a row's baseline never depends on
    /// which rows are forwarded), and — with speculative screening — decides the rows to forward from the actor's
    /// recorded log-probs, before the learner spends anything on them.
    /// </summary>
    void Prescreen(Rollout rollout)
    {
        Check(rollout);
        int rows = rollout.RowCount, answer = rollout.AnswerLength;
        // Expected confidence reads the learner's distribution: computed in Weights, after the forward.
        if (Options.Advantage != AdvantageEstimator.ExpectedConfidence)
            Advantages.Compute(Options.Advantage, rollout.Rewards.AsSpan(0, rows), rollout.SamplesPerPrompt, _batchAdvantage.AsSpan(0, rows));
        _forwardCount = 0;
        if (Options.Screen == ScreenMode.Speculative)
        {
            // Surprisal from the sampler's own log-probs: exact on-policy, free of learner work.
            for (var r = 0; r < rows; r++)
                for (var t = 0; t < answer; t++)
                {
                    var s = -rollout.BehaviourLogProbs[r * rollout.Length + rollout.PromptLength + t];
                    _surprisal[r * answer + t] = s;
                    _delight[r * answer + t] = _batchAdvantage[r] * s;
                }
            var signals = new Signals(_batchAdvantage.AsSpan(0, rows), _surprisal.AsSpan(0, rows * answer), _delight.AsSpan(0, rows * answer), rows, answer);
            _screen!.Mask(signals, _mask);
            var audit = Options.ScreenAuditEvery > 0 && _stepIndex % Options.ScreenAuditEvery == 0;
            for (var r = 0; r < rows; r++)
                if (audit || _mask.AsSpan(r * answer, answer).ContainsAnyExcept(0f)) _forwardRows[_forwardCount++] = r;
        }
        else
        {
            for (var r = 0; r < rows; r++) _forwardRows[r] = r;
            _forwardCount = rows;
        }
    }

    void Check(Rollout rollout)
    {
        var check = _givenCheck ?? _inferredCheck;
        if (check is null || (_givenCheck is null && (check.Shape.PromptLength != rollout.PromptLength || check.Shape.AnswerLength != rollout.AnswerLength)))
            check = _inferredCheck = DefaultCheck(rollout);
        var verdict = check.Check(rollout);
        if (!verdict.IsValid) throw new ArgumentException($"rollout (policy version {rollout.PolicyVersion}): {verdict.Message}");
    }

    /// <summary>
    /// A learner built without its task's check (tests, tools) checks what it knows: the rollout's lengths, answer
    /// tokens inside the policy's actions, its row capacity and what its loss and screen read.
    /// </summary>
    RolloutCheck DefaultCheck(Rollout rollout) => new(
        new RolloutShape(rollout.PromptLength, rollout.AnswerLength, Policy.ActionCount, int.MaxValue, Policy.MaxRows),
        RolloutCheck.NeedsOf(Loss, Options.Screen == ScreenMode.Speculative));
}
