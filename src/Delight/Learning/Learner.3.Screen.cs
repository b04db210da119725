namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>
    /// Keeps the rows with at least one non-zero coefficient and compacts their upstream gradients
    /// d loss / d log π = −coefficient / N, where N counts every answer token of the batch (kept or not), so a
    /// dropped row changes nothing but the work.
    /// </summary>
    void Screen(Rollout rollout)
    {
        int rows = rollout.RowCount, answer = rollout.AnswerLength;
        var scale = -1f / (rows * answer);
        _keptCount = 0;
        long keptTokens = 0;
        for (var r = 0; r < rows; r++)
        {
            var coefficients = _coefficients.AsSpan(r * answer, answer);
            var nonZero = 0;
            foreach (var c in coefficients) if (c != 0f) nonZero++;
            if (nonZero == 0) continue;
            var destination = _dLogProbs.AsSpan(_keptCount * answer, answer);
            for (var t = 0; t < answer; t++) destination[t] = scale * coefficients[t];
            _keptRows[_keptCount++] = r;
            keptTokens += nonZero;
        }
        _metrics.KeptRowFraction = (float)_keptCount / rows;
        _metrics.KeptTokenFraction = (float)keptTokens / (rows * answer);
    }
}
