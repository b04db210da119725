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
        int rows = rollout.RowCount;
        if (rows < 1 || rows > Policy.MaxRows)
            throw new ArgumentException($"rollout (policy version {rollout.PolicyVersion}) has {rows} rows; the learner takes 1 to {Policy.MaxRows}.");
        for (var r = 0; r < rows; r++)
            if (!float.IsFinite(rollout.Rewards[r]))
                throw new ArgumentException($"rollout (policy version {rollout.PolicyVersion}): row {r} has a non-finite reward {rollout.Rewards[r]}; rewards must be finite numbers.");
        var needsBehaviour = Loss.NeedsBehaviourLogProbs || Options.Screen == ScreenMode.Speculative;
        if (!needsBehaviour) return;
        if (!rollout.HasBehaviourLogProbs)
            throw new ArgumentException($"{(Loss.NeedsBehaviourLogProbs ? $"method '{Loss.Name}'" : "speculative screening")} needs behaviour log-probs, but rollout (policy version {rollout.PolicyVersion}) carries none; use an actor that records them or a method that does not need them (pg, dg, kondo).");
        for (var r = 0; r < rows; r++)
            for (var t = rollout.PromptLength; t < rollout.Length; t++)
            {
                var lp = rollout.BehaviourLogProbs[r * rollout.Length + t];
                if (!float.IsFinite(lp) || lp > 0f)
                    throw new ArgumentException($"rollout (policy version {rollout.PolicyVersion}): row {r}, token {t} has behaviour log-prob {lp}; log-probs must be finite and <= 0.");
            }
    }
}
