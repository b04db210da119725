namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>
    /// Keeps the forwarded rows with at least one non-zero coefficient and compacts their upstream gradients
    /// d loss / d log π = −coefficient / N, where N counts every answer token of the batch (kept, dropped or never
    /// forwarded), so dropping a row changes the work, not the scale of the update.
    /// </summary>
    void Screen(Rollout rollout)
    {
        int answer = rollout.AnswerLength;
        var scale = -1f / (rollout.RowCount * answer);
        _keptCount = 0;
        long keptTokens = 0;
        for (var f = 0; f < _forwardCount; f++)
        {
            var coefficients = _coefficients.AsSpan(f * answer, answer);
            var nonZero = 0;
            foreach (var c in coefficients) if (c != 0f) nonZero++;
            if (nonZero == 0) continue;
            var destination = _dLogProbs.AsSpan(_keptCount * answer, answer);
            for (var t = 0; t < answer; t++) destination[t] = scale * coefficients[t];
            _keptRows[_keptCount++] = f;
            keptTokens += nonZero;
        }
        _metrics.KeptRowFraction = (float)_keptCount / rollout.RowCount;
        _metrics.KeptTokenFraction = (float)keptTokens / (rollout.RowCount * answer);
    }
}
