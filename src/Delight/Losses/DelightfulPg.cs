using Delight.Numerics;

namespace Delight.Losses;

// Delightful policy gradient (DG; Osband 2026, arXiv 2603.14608; egg dg.py), per answer token t of row r:
//   ℓ_rt = −log π_θ(a_rt)          learner surprisal, no gradient
//   χ_rt = U_r · ℓ_rt (+ σ_n·ε)     delight; optional Gaussian noise ε ~ N(0,1) for approximate-delight studies
//   p_rt = σ((χ_rt − λ) / η)        gate probability (1[χ_rt > λ] when η = 0), treated as a constant
//   w_rt = p_rt, or Bernoulli(p_rt) with the stochastic gate
//   coefficient on ∇log π(a_rt) = w_rt · U_r
// Rare successes (U > 0, ℓ large) get w → 1, rare failures (U < 0, ℓ large) w → 0; common actions w ≈ ½.
// Sequence-level gate (--dg-granularity sequence; allenai/open-instruct PR #1628): one gate per row on its mean delight,
//   χ̄_r = (1/T)·Σ_t χ_rt (+ σ_n·ε, one draw per row),  w_r = σ((χ̄_r − λ)/η) (or one Bernoulli(w_r) per row),
//   coefficient on every ∇log π(a_rt) of the row = w_r · U_r.
public enum DgGranularity { Token, Sequence }

public sealed class DelightfulPg : ILoss
{
    readonly Rng? _rng;
    /// <summary>The gate's random stream (stochastic gate, delight noise), saved in checkpoints; null when unused.</summary>
    internal Rng? Random => _rng;

    /// <summary>η when the run does not say (--eta): the papers' σ(χ/1).</summary>
    public const float DefaultTemperature = 1f;

    /// <param name="rng">draws for the stochastic gate and the delight noise; required when either is on</param>
    public DelightfulPg(float temperature = DefaultTemperature, float price = 0f, bool stochastic = false, float delightNoiseStd = 0f, Rng? rng = null,
        DgGranularity granularity = DgGranularity.Token)
    {
        if (!(temperature >= 0) || !float.IsFinite(temperature))
            throw new Runtime.OptionException("--eta", $"--eta (temperature) {temperature} must be >= 0.");
        if (!float.IsFinite(price)) throw new Runtime.OptionException("--lambda", $"--lambda (price) {price} must be finite.");
        if (!(delightNoiseStd >= 0) || !float.IsFinite(delightNoiseStd))
            throw new Runtime.OptionException("--delight-noise", $"--delight-noise {delightNoiseStd} must be >= 0.");
        if ((stochastic || delightNoiseStd > 0) && rng is null)
            throw new ArgumentException("the stochastic gate and delight noise draw random numbers: pass an Rng.", nameof(rng));
        Temperature = temperature;
        Price = price;
        Stochastic = stochastic;
        DelightNoiseStd = delightNoiseStd;
        _rng = rng;
        Granularity = granularity;
    }

    /// <summary>A gate per token (the papers') or one per row on the row's mean delight.</summary>
    public DgGranularity Granularity { get; }

    /// <summary>η</summary>
    public float Temperature { get; }
    /// <summary>λ</summary>
    public float Price { get; }
    public bool Stochastic { get; }
    public float DelightNoiseStd { get; }
    public string Name => "dg";
    public bool NeedsBehaviourLogProbs => false;

    public void Coefficients(in Learning.Signals signals, Span<float> coefficients, out Learning.LossStatistics statistics)
    {
        var t = signals.TokensPerRow;
        var gateSum = 0.0;
        if (Granularity == DgGranularity.Sequence)
        {
            for (var r = 0; r < signals.RowCount; r++)
            {
                var sum = 0f;
                foreach (var x in signals.Delight.Slice(r * t, t)) sum += x;
                var chi = sum / t;
                if (DelightNoiseStd > 0) chi += DelightNoiseStd * (float)_rng!.NextNormal();
                var w = Gate(chi);
                if (Stochastic) w = _rng!.NextFloat() < w ? 1f : 0f;
                gateSum += (double)w * t;
                coefficients.Slice(r * t, t).Fill(w * signals.Advantage[r]);
            }
            statistics = Learning.LossStatistics.Ungated;
            statistics.GateMean = (float)(gateSum / Math.Max(1, signals.RowCount * t));
            return;
        }
        for (var r = 0; r < signals.RowCount; r++)
        {
            var u = signals.Advantage[r];
            for (var j = 0; j < t; j++)
            {
                var chi = signals.Delight[r * t + j];
                if (DelightNoiseStd > 0) chi += DelightNoiseStd * (float)_rng!.NextNormal();
                var w = Gate(chi);
                if (Stochastic) w = _rng!.NextFloat() < w ? 1f : 0f;
                gateSum += w;
                coefficients[r * t + j] = w * u;
            }
        }
        statistics = Learning.LossStatistics.Ungated;
        statistics.GateMean = (float)(gateSum / Math.Max(1, signals.RowCount * t));
    }

    /// <summary>σ((χ − λ)/η), or 1[χ &gt; λ] when η = 0.</summary>
    public float Gate(float delight) => Temperature == 0f
        ? (delight > Price ? 1f : 0f)
        : 1f / (1f + MathF.Exp(-(delight - Price) / Temperature));
}
