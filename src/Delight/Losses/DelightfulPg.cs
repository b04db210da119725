namespace Delight.Losses;

// Delightful policy gradient (DG; Osband 2026, arXiv 2603.14608; egg dg.py), per answer token t of row r:
//   ℓ_rt = −log π_θ(a_rt)          learner surprisal, no gradient
//   χ_rt = U_r · ℓ_rt               delight
//   w_rt = σ((χ_rt − λ) / η)        gate (1[χ_rt > λ] when η = 0), treated as a constant
//   coefficient on ∇log π(a_rt) = w_rt · U_r
// Rare successes (U > 0, ℓ large) get w → 1, rare failures (U < 0, ℓ large) w → 0; common actions w ≈ ½.
public sealed class DelightfulPg : ILoss
{
    public DelightfulPg(float temperature = 1f, float price = 0f)
    {
        if (!(temperature >= 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"eta (temperature) {temperature} must be >= 0.");
        if (!float.IsFinite(price)) throw new ArgumentOutOfRangeException(nameof(price), $"lambda (price) {price} must be finite.");
        Temperature = temperature;
        Price = price;
    }

    /// <summary>η</summary>
    public float Temperature { get; }
    /// <summary>λ</summary>
    public float Price { get; }
    public string Name => "dg";
    public bool NeedsBehaviourLogProbs => false;

    public void Coefficients(in Learning.Signals signals, Span<float> coefficients, out Learning.LossStatistics statistics)
    {
        var t = signals.TokensPerRow;
        var gateSum = 0.0;
        for (var r = 0; r < signals.RowCount; r++)
        {
            var u = signals.Advantage[r];
            for (var j = 0; j < t; j++)
            {
                var w = Gate(signals.Delight[r * t + j]);
                gateSum += w;
                coefficients[r * t + j] = w * u;
            }
        }
        statistics = Learning.LossStatistics.Ungated;
        statistics.GateMean = (float)(gateSum / Math.Max(1, signals.RowCount * t));
    }

    public float Gate(float delight) => Temperature == 0f
        ? (delight > Price ? 1f : 0f)
        : 1f / (1f + MathF.Exp(-(delight - Price) / Temperature));
}
