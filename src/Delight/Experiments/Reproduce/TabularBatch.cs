using Delight.Environments.Bandits;
using Delight.Learning;
using Delight.Numerics;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// One sampled batch on a single-context tabular softmax policy, turned into the update a learner applies: actions
/// from the (possibly contaminated) behaviour μ by <see cref="ContaminatedSampler"/>, rewards from the model's law,
/// advantages U = R − b, then any production loss's coefficients κ, and the update (1/B)·Σ κ_i·(e_{a_i} − π), the
/// batch mean of κ·∇_θ log π(a_i) (papers.md §0). Scratch is sized once per batch size.
/// </summary>
public sealed class TabularBatch
{
    readonly IBanditModel _model;
    readonly float[] _logProbs, _advantage, _surprisal, _delight, _behaviour, _coefficients;
    readonly double[] _probabilities, _rewards;
    readonly int[] _actions;

    public TabularBatch(IBanditModel model, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ContextCount != 1) throw new ArgumentException($"{model.Name} has {model.ContextCount} contexts; the batch study uses one.", nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        BatchSize = batchSize;
        _logProbs = new float[model.ActionCount];
        _probabilities = new double[model.ActionCount];
        _advantage = new float[batchSize];
        _surprisal = new float[batchSize];
        _delight = new float[batchSize];
        _behaviour = new float[batchSize];
        _coefficients = new float[batchSize];
        _rewards = new double[batchSize];
        _actions = new int[batchSize];
    }

    public int BatchSize { get; }

    /// <summary>Draws B actions and rewards under logits θ [K] and behaviour μ; U = R − baseline, or R − batch mean when
    /// <paramref name="constantBaseline"/> is null (egg's grouped baseline, one group per batch).</summary>
    public void Sample(ReadOnlySpan<double> logits, in ContaminationOptions contamination, double? constantBaseline, Rng rng)
    {
        SetPolicy(logits);
        var sum = 0.0;
        for (var i = 0; i < BatchSize; i++)
        {
            _actions[i] = ContaminatedSampler.Sample(_logProbs, contamination, rng, out var logMu);
            _behaviour[i] = (float)logMu;
            sum += _rewards[i] = _model.Reward(0, _actions[i]).Sample(rng);
        }
        var baseline = constantBaseline ?? sum / BatchSize;
        for (var i = 0; i < BatchSize; i++)
        {
            _advantage[i] = (float)(_rewards[i] - baseline);
            _surprisal[i] = -_logProbs[_actions[i]];
            _delight[i] = _advantage[i] * _surprisal[i];
        }
    }

    /// <summary>The batch-mean update of <paramref name="loss"/> on the last sample, into <paramref name="update"/> [K].</summary>
    public void Update(ILoss loss, Span<double> update)
    {
        loss.Coefficients(new Signals(_advantage, _surprisal, _delight, BatchSize, 1, _behaviour), _coefficients, out _);
        var total = 0.0;
        update.Clear();
        for (var i = 0; i < BatchSize; i++)
        {
            update[_actions[i]] += _coefficients[i];
            total += _coefficients[i];
        }
        for (var k = 0; k < update.Length; k++) update[k] = (update[k] - _probabilities[k] * total) / BatchSize;
    }

    /// <summary>π and log π of the logits, stably in double, stored as the float log-probs the sampler reads.</summary>
    void SetPolicy(ReadOnlySpan<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        var sum = 0.0;
        foreach (var v in logits) sum += Math.Exp(v - max);
        var logSum = Math.Log(sum);
        for (var k = 0; k < logits.Length; k++)
        {
            var logProb = logits[k] - max - logSum;
            _logProbs[k] = (float)logProb;
            _probabilities[k] = Math.Exp(logProb);
        }
    }
}
