namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>Advantages, surprisal and delight once; then the loss turns them into a coefficient per token.</summary>
    void Weights(Rollout rollout)
    {
        int rows = rollout.RowCount, answer = rollout.AnswerLength, n = rows * answer;
        var advantage = _advantage.AsSpan(0, rows);
        Advantages.Compute(Options.Advantage, rollout.Rewards.AsSpan(0, rows), rollout.SamplesPerPrompt, advantage);
        for (var r = 0; r < rows; r++)
            for (var t = 0; t < answer; t++)
                _delight[r * answer + t] = advantage[r] * _surprisal[r * answer + t];
        var signals = new Signals(advantage, _surprisal.AsSpan(0, n), _delight.AsSpan(0, n), rows, answer);
        Loss.Coefficients(signals, _coefficients.AsSpan(0, n), out var statistics);

        double advantageSum = 0, advantageSquares = 0, surprisalSum = 0, entropySum = 0, loss = 0;
        foreach (var u in advantage) { advantageSum += u; advantageSquares += (double)u * u; }
        for (var i = 0; i < n; i++)
        {
            surprisalSum += _surprisal[i];
            entropySum += _entropy[i];
            loss += _coefficients[i] * (double)_surprisal[i]; // −c·log π = c·ℓ
        }
        var mean = advantageSum / rows;
        _metrics.RewardMean = rollout.MeanReward();
        _metrics.AdvantageMean = (float)mean;
        _metrics.AdvantageStd = (float)Math.Sqrt(Math.Max(0, advantageSquares / rows - mean * mean));
        _metrics.SurprisalMean = (float)(surprisalSum / n);
        _metrics.EntropyMean = (float)(entropySum / n);
        _metrics.Loss = (float)(loss / n);
        _metrics.GateMean = statistics.GateMean;
    }
}
