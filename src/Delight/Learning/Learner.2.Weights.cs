namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>
    /// Advantages, surprisal and delight once for the forwarded rows; the loss turns them into a coefficient per
    /// token; a Kondo gate then masks them (exact: from these signals; speculative: the prescreen's mask).
    /// </summary>
    void Weights(Rollout rollout)
    {
        int batchRows = rollout.RowCount, rows = _forwardCount, answer = rollout.AnswerLength, n = rows * answer;
        _metrics.RewardMean = rollout.MeanReward();
        if (rows == 0) return;
        if (Options.Advantage == AdvantageEstimator.ExpectedConfidence)
        {
            // Every row was forwarded (LearnerOptions forbids the speculative screen here), in batch order.
            var v = Policy.ActionCount;
            var perRow = answer * v;
            var first = _expectedConfidenceLogProbs.AsSpan(0, rows * v);
            var all = Policy.PositionLogProbs;
            for (var r = 0; r < rows; r++) all.Slice(r * perRow, v).CopyTo(first.Slice(r * v, v));
            Advantages.ExpectedConfidence(rollout.Rewards.AsSpan(0, rows), first, v, _batchAdvantage.AsSpan(0, rows));
        }
        var advantage = _advantage.AsSpan(0, rows);
        for (var f = 0; f < rows; f++) advantage[f] = _batchAdvantage[_forwardRows[f]];
        for (var f = 0; f < rows; f++)
            for (var t = 0; t < answer; t++)
                _delight[f * answer + t] = advantage[f] * _surprisal[f * answer + t];
        ReadOnlySpan<float> behaviour = default;
        if (rollout.HasBehaviourLogProbs)
        {
            for (var f = 0; f < rows; f++)
                rollout.BehaviourLogProbs.AsSpan(_forwardRows[f] * rollout.Length + rollout.PromptLength, answer).CopyTo(_behaviour.AsSpan(f * answer));
            behaviour = _behaviour.AsSpan(0, n);
        }
        var signals = new Signals(advantage, _surprisal.AsSpan(0, n), _delight.AsSpan(0, n), rows, answer, behaviour);
        var coefficients = _coefficients.AsSpan(0, n);
        Loss.Coefficients(signals, coefficients, out var statistics);
        ApplyScreen(signals, coefficients, rollout);

        double advantageSum = 0, advantageSquares = 0;
        for (var r = 0; r < batchRows; r++) { advantageSum += _batchAdvantage[r]; advantageSquares += (double)_batchAdvantage[r] * _batchAdvantage[r]; }
        double surprisalSum = 0, entropySum = 0, loss = 0;
        for (var i = 0; i < n; i++)
        {
            surprisalSum += _surprisal[i];
            entropySum += _entropy[i];
            loss += coefficients[i] * (double)_surprisal[i]; // −c·log π = c·ℓ
        }
        var mean = advantageSum / batchRows;
        _metrics.AdvantageMean = (float)mean;
        _metrics.AdvantageStd = (float)Math.Sqrt(Math.Max(0, advantageSquares / batchRows - mean * mean));
        _metrics.SurprisalMean = (float)(surprisalSum / n);
        _metrics.EntropyMean = (float)(entropySum / n);
        _metrics.Loss = (float)(loss / (batchRows * answer));
        _metrics.GateMean = statistics.GateMean;
        _metrics.RatioMean = statistics.RatioMean;
        _metrics.RatioMax = statistics.RatioMax;
        _metrics.ClipFraction = statistics.ClipFraction;
        _metrics.DropFraction = statistics.DropFraction;
    }

    void ApplyScreen(in Signals signals, Span<float> coefficients, Rollout rollout)
    {
        if (_screen is null) return;
        int answer = rollout.AnswerLength, n = coefficients.Length;
        if (Options.Screen == ScreenMode.Exact)
        {
            // Every row was forwarded: the mask comes straight from the learner's signals.
            _screen.Mask(signals, _mask);
            for (var i = 0; i < n; i++) coefficients[i] *= _mask[i];
            return;
        }
        var audited = _forwardCount == rollout.RowCount && Options.ScreenAuditEvery > 0 && (_stepIndex % Options.ScreenAuditEvery == 0);
        if (audited)
        {
            _screen.Mask(signals, _auditMask, record: false);
            var differ = 0;
            for (var i = 0; i < n; i++) if (_auditMask[i] != _mask[i]) differ++;
            _metrics.ScreenDisagreement = (float)differ / n;
        }
        // _mask is indexed by batch row; forwarded row f is batch row _forwardRows[f].
        for (var f = 0; f < _forwardCount; f++)
        {
            var mask = _mask.AsSpan(_forwardRows[f] * answer, answer);
            for (var t = 0; t < answer; t++) coefficients[f * answer + t] *= mask[t];
        }
    }
}
