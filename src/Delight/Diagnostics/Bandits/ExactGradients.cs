using Delight.Environments.Bandits;

namespace Delight.Diagnostics.Bandits;

/// <summary>
/// Exact expected gradients of a tabular softmax policy, π(a|c) = softmax(θ[c, ·])[a], on a bandit model (papers.md
/// §1.2, §2.3, §3.3). Every vector is [C·K] in TabularSoftmaxPolicy's "logits" layout (row c, column a), in double.
/// Objective J(θ) = Σ_c p(c) Σ_a π(a|c)·m(c, a). Each sampled update is a coefficient κ on ∇_θ log π(a|c), whose
/// block c is e_a − π(·|c), drawn with c ~ p, a ~ μ(·|c) (μ = π on-policy, or (1 − ρ)π + ρq contaminated), R ~ law.
/// Its expectation is therefore, block by block,
///   ḡ[c, k] = p(c)·(W[c, k] − π(k|c)·Σ_a W[c, a]),   W[c, a] = μ(a|c)·E_R[κ | c, a],
/// and every method below differs only in W (U = R − b(c), ℓ = −log π(a|c) under the learner):
///   true gradient ∇J      W = π(a)·(m − V_π(c))              (= ∂J/∂θ[c, k] = p(c)·π(k|c)·(m(c, k) − V_π(c)))
///   PG (REINFORCE)        W = μ(a)·(m − b)                   uncorrected: on contaminated data it follows μ, not π
///   IS-PG                 W = μ(a)·min(π/μ, ρ̄)·(m − b)       = π(a)·(m − b) untruncated, so ḡ = ∇J for any b(c)
///   DG                    W = μ(a)·E_R[U·σ((U·ℓ − λ)/η)]      (<see cref="GateExpectation"/>); η = 0 is the hard gate
///   CE oracle             W = 1[a = y*(c)]                    = Σ_c p(c)·∇log π(y*(c)|c)
/// Arms with μ(a) = 0 are never sampled and contribute nothing (IS-PG then misses their share of ∇J).
/// Call <see cref="SetLogits(ReadOnlySpan{float})"/> with the policy's logits, then ask for any direction; the
/// scratch is sized once, so the calls allocate nothing.
/// </summary>
public sealed class ExactGradients
{
    readonly double[] _probabilities;  // [C, K] π(a|c)
    readonly double[] _surprisals;     // [C, K] ℓ = −log π(a|c)
    readonly double[] _behaviour;      // [K] μ(·|c) of the context at hand
    readonly double[] _weights;        // [K] W[c, ·]: expected coefficient mass per arm
    readonly double[] _squares;        // [K] μ(a)·E_R[κ²]
    bool _hasLogits;

    public ExactGradients(IBanditModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckModel(model);
        Model = model;
        ContextCount = model.ContextCount;
        ActionCount = model.ActionCount;
        _probabilities = new double[ContextCount * ActionCount];
        _surprisals = new double[ContextCount * ActionCount];
        _behaviour = new double[ActionCount];
        _weights = new double[ActionCount];
        _squares = new double[ActionCount];
    }

    public IBanditModel Model { get; }
    public int ContextCount { get; }
    public int ActionCount { get; }
    /// <summary>C·K, the length of every gradient vector.</summary>
    public int ParameterCount => ContextCount * ActionCount;

    /// <summary>Reads the policy's logits [C·K] (e.g. TabularSoftmaxPolicy.Parameters["logits"].Value).</summary>
    public void SetLogits(ReadOnlySpan<float> logits)
    {
        CheckLength(logits.Length, nameof(logits));
        for (var i = 0; i < logits.Length; i++) _probabilities[i] = logits[i];
        Softmax();
    }

    /// <summary>Reads logits [C·K] in double (finite-difference checks).</summary>
    public void SetLogits(ReadOnlySpan<double> logits)
    {
        CheckLength(logits.Length, nameof(logits));
        logits.CopyTo(_probabilities);
        Softmax();
    }

    /// <summary>π(a|c) of the logits last set.</summary>
    public double Probability(int context, int action) => Probabilities(context)[action];

    /// <summary>V_π(c) = Σ_a π(a|c)·m(c, a).</summary>
    public double Value(int context)
    {
        var pi = Probabilities(context);
        var value = 0.0;
        for (var a = 0; a < ActionCount; a++) value += pi[a] * Model.Reward(context, a).Mean;
        return value;
    }

    /// <summary>J = Σ_c p(c)·V_π(c), the expected reward.</summary>
    public double Objective()
    {
        var j = 0.0;
        for (var c = 0; c < ContextCount; c++) j += Model.ContextProbability(c) * Value(c);
        return j;
    }

    /// <summary>∇J [C·K]: ∂J/∂θ[c, k] = p(c)·π(k|c)·(m(c, k) − V_π(c)).</summary>
    public void TrueGradient(Span<double> gradient)
    {
        CheckLength(gradient.Length, nameof(gradient));
        for (var c = 0; c < ContextCount; c++)
        {
            var pi = Probabilities(c);
            var value = Value(c);
            for (var a = 0; a < ActionCount; a++) _weights[a] = pi[a] * (Model.Reward(c, a).Mean - value);
            WriteBlock(c, gradient);
        }
    }

    /// <summary>The expected update direction ḡ [C·K] of <paramref name="rule"/> on data from μ (see the class comment).</summary>
    public void ExpectedUpdate(in UpdateRule rule, in ContaminationOptions contamination, Span<double> update)
    {
        CheckLength(update.Length, nameof(update));
        Prepare(rule, contamination);
        for (var c = 0; c < ContextCount; c++)
        {
            ArmWeights(c, rule, contamination);
            WriteBlock(c, update);
        }
    }

    /// <summary>
    /// Second moments of the per-sample update v = κ·∇log π(a|c) (one sample, c ~ p, a ~ μ, R ~ law) against a
    /// reference direction r [C·K] (e.g. ∇J): E‖v‖² and E[(v·r̂)²]. Their difference is the perpendicular second
    /// moment of DG's Prop. 1 and the distributed paper's v2 analysis (papers.md §1.2, §2.3).
    /// </summary>
    public SampleMoments PerSampleMoments(in UpdateRule rule, in ContaminationOptions contamination, ReadOnlySpan<double> reference)
    {
        CheckLength(reference.Length, nameof(reference));
        Prepare(rule, contamination);
        var referenceNorm = Math.Sqrt(GradientGeometry.Dot(reference, reference));
        double total = 0, along = 0;
        for (var c = 0; c < ContextCount; c++)
        {
            ArmWeights(c, rule, contamination);
            var pi = Probabilities(c);
            var r = reference.Slice(c * ActionCount, ActionCount);
            double piSquared = 0, piDotR = 0;
            for (var k = 0; k < ActionCount; k++) { piSquared += pi[k] * pi[k]; piDotR += pi[k] * r[k]; }
            var p = Model.ContextProbability(c);
            for (var a = 0; a < ActionCount; a++)
            {
                if (_squares[a] == 0) continue;
                // ‖e_a − π‖² = 1 − 2π(a) + ‖π‖²;  (e_a − π)·r = r[a] − π·r.
                total += p * _squares[a] * (1 - 2 * pi[a] + piSquared);
                if (referenceNorm > 0)
                {
                    var projection = (r[a] - piDotR) / referenceNorm;
                    along += p * _squares[a] * projection * projection;
                }
            }
        }
        return new SampleMoments(total, along);
    }

    void Prepare(in UpdateRule rule, in ContaminationOptions contamination)
    {
        if (!_hasLogits) throw new InvalidOperationException("set the policy first: call SetLogits(logits).");
        rule.Validate();
        contamination.Validate(ActionCount);
        if (rule.Method == UpdateMethod.CrossEntropy)
            for (var c = 0; c < ContextCount; c++)
                if (Model.CorrectAction(c) < 0)
                    throw new ArgumentException($"the cross-entropy oracle needs a correct arm, and context {c} of {Model.Name} has none.");
    }

    /// <summary>W[c, ·] into _weights and μ(a)·E[κ²] into _squares, for context <paramref name="c"/>.</summary>
    void ArmWeights(int c, in UpdateRule rule, in ContaminationOptions contamination)
    {
        var pi = Probabilities(c);
        if (rule.Method == UpdateMethod.CrossEntropy)
        {
            Array.Clear(_weights);
            Array.Clear(_squares);
            var y = Model.CorrectAction(c);
            _weights[y] = _squares[y] = 1;
            return;
        }
        for (var a = 0; a < ActionCount; a++)
            _behaviour[a] = (1 - contamination.Rate) * pi[a] + contamination.Rate * contamination.SourceProbability(a, ActionCount);
        var b = BaselineOf(c, rule.Baseline);
        var surprisals = _surprisals.AsSpan(c * ActionCount, ActionCount);
        for (var a = 0; a < ActionCount; a++)
        {
            var mu = _behaviour[a];
            if (mu == 0) { _weights[a] = _squares[a] = 0; continue; }
            var law = Model.Reward(c, a);
            var advantage = law.Mean - b;
            var advantageSquared = advantage * advantage + law.Variance;
            switch (rule.Method)
            {
                case UpdateMethod.PolicyGradient:
                    _weights[a] = mu * advantage;
                    _squares[a] = mu * advantageSquared;
                    break;
                case UpdateMethod.ImportanceWeightedPg:
                    var ratio = pi[a] / mu;
                    if (rule.Truncation is { } rhoBar) ratio = Math.Min(ratio, rhoBar);
                    _weights[a] = mu * ratio * advantage;
                    _squares[a] = mu * ratio * ratio * advantageSquared;
                    break;
                case UpdateMethod.Delightful:
                    GateExpectation.Moments(law, b, surprisals[a], rule.Temperature, rule.Price, out var mean, out var square);
                    _weights[a] = mu * mean;
                    _squares[a] = mu * square;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(rule), rule.Method, "unknown update method");
            }
        }
    }

    double BaselineOf(int c, Baseline baseline) => baseline.Kind switch
    {
        BaselineKind.Zero => 0,
        BaselineKind.Constant => baseline.Value,
        BaselineKind.LearnerValue => Value(c),
        BaselineKind.BehaviourValue => BehaviourValue(c),
        _ => throw new ArgumentOutOfRangeException(nameof(baseline), baseline.Kind, "unknown baseline"),
    };

    /// <summary>V_μ(c) from the μ(·|c) already in _behaviour.</summary>
    double BehaviourValue(int c)
    {
        var value = 0.0;
        for (var a = 0; a < ActionCount; a++) value += _behaviour[a] * Model.Reward(c, a).Mean;
        return value;
    }

    /// <summary>ḡ[c, k] = p(c)·(W[k] − π(k|c)·Σ_a W[a]).</summary>
    void WriteBlock(int c, Span<double> destination)
    {
        var pi = Probabilities(c);
        var total = 0.0;
        for (var a = 0; a < ActionCount; a++) total += _weights[a];
        var p = Model.ContextProbability(c);
        var block = destination.Slice(c * ActionCount, ActionCount);
        for (var k = 0; k < ActionCount; k++) block[k] = p * (_weights[k] - pi[k] * total);
    }

    ReadOnlySpan<double> Probabilities(int context)
    {
        if (!_hasLogits) throw new InvalidOperationException("set the policy first: call SetLogits(logits).");
        if ((uint)context >= (uint)ContextCount)
            throw new ArgumentOutOfRangeException(nameof(context), $"context {context} is outside [0, {ContextCount}).");
        return _probabilities.AsSpan(context * ActionCount, ActionCount);
    }

    /// <summary>_probabilities holds the logits; turn each row into π and ℓ, stably (max subtracted) in double.</summary>
    void Softmax()
    {
        for (var c = 0; c < ContextCount; c++)
        {
            var row = _probabilities.AsSpan(c * ActionCount, ActionCount);
            var surprisal = _surprisals.AsSpan(c * ActionCount, ActionCount);
            var max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            if (!double.IsFinite(max)) throw new ArgumentException($"the logits of context {c} must be finite.");
            var sum = 0.0;
            foreach (var v in row) sum += Math.Exp(v - max);
            var logSum = Math.Log(sum);
            for (var a = 0; a < ActionCount; a++)
            {
                var logProb = row[a] - max - logSum;
                surprisal[a] = -logProb;
                row[a] = Math.Exp(logProb);
            }
        }
        _hasLogits = true;
    }

    void CheckLength(int length, string name)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"{name} holds {length} values, not contexts·arms = {ContextCount}·{ActionCount}.", name);
    }

    static void CheckModel(IBanditModel model)
    {
        if (model.ContextCount < 1 || model.ActionCount < 1)
            throw new ArgumentException($"{model.Name} needs at least one context and one arm.", nameof(model));
        var total = 0.0;
        for (var c = 0; c < model.ContextCount; c++)
        {
            var p = model.ContextProbability(c);
            if (!(p >= 0)) throw new ArgumentException($"p(c = {c}) = {p} of {model.Name} must be >= 0.", nameof(model));
            total += p;
            for (var a = 0; a < model.ActionCount; a++)
            {
                var law = model.Reward(c, a);
                var valid = law.Kind == RewardKind.Bernoulli
                    ? law.Mean is >= 0 and <= 1
                    : double.IsFinite(law.Mean) && law.Std >= 0 && double.IsFinite(law.Std);
                if (!valid) throw new ArgumentException($"the reward law {law} of context {c}, arm {a} of {model.Name} is not a valid distribution.", nameof(model));
            }
        }
        if (Math.Abs(total - 1) > 1e-9) throw new ArgumentException($"the context probabilities of {model.Name} sum to {total}, not 1.", nameof(model));
    }
}

/// <summary>E‖v‖² and E[(v·r̂)²] of a per-sample update v against a reference direction r.</summary>
public readonly record struct SampleMoments(double SquaredNorm, double AlongReference)
{
    /// <summary>E‖v − (v·r̂)r̂‖², the perpendicular second moment.</summary>
    public double Perpendicular => SquaredNorm - AlongReference;
}
