using Delight.Diagnostics.Bandits;
using Delight.Environments;
using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// Gradient health on supervised tasks (MNIST, and any task that knows its correct answer), on the step's own batch:
/// before the learner step, the cross-entropy oracle direction Σ_r ∇log π(y*_r | x_r) under the learner's current
/// parameters and, where the reward is 1[a = y*] on one action (MNIST), the exact on-policy gradient
/// Σ_r E_a~π[R(a)∇log π(a | x_r)] = Σ_r π(y*_r | x_r)∇log π(y*_r | x_r); after it, the cosine of the update (minus the
/// loss gradient the learner back-propagated) to each. The distributed paper's alignment metric for staleness.
/// Costs one teacher-forced forward and two backward passes, so runs ask for it every --direction-every steps. The
/// policy's parameters and the run's random streams are untouched: the trajectory is the same with or without it.
/// </summary>
sealed class BatchDirections
{
    readonly ISequencePolicy _policy;
    readonly ISupervisedTask _task;
    readonly bool _hasTrueGradient;
    readonly double[] _oracle;
    readonly double[] _truth;
    readonly int[] _tokens;
    readonly float[] _dLogProbs;
    readonly int[] _rows;

    BatchDirections(ISequencePolicy policy, ISupervisedTask task, bool hasTrueGradient)
    {
        _policy = policy;
        _task = task;
        _hasTrueGradient = hasTrueGradient;
        var length = policy.Parameters.BufferLength; // padding between tensors is zero in every vector
        _oracle = new double[length];
        _truth = new double[length];
        _tokens = new int[policy.MaxRows * policy.MaxLength];
        _dLogProbs = new float[policy.MaxRows * policy.MaxLength];
        _rows = new int[policy.MaxRows];
        for (var r = 0; r < _rows.Length; r++) _rows[r] = r;
    }

    /// <summary>The last <see cref="Before"/>'s oracle direction Σ_r ∇log π(y*_r | x_r).</summary>
    public ReadOnlySpan<double> Oracle => _oracle;
    /// <summary>The last <see cref="Before"/>'s exact on-policy gradient (all zero where the task has no closed form).</summary>
    public ReadOnlySpan<double> TrueGradient => _truth;

    /// <summary>Null when the task has no correct answer to measure against.</summary>
    public static BatchDirections? For(ITokenEnvironment environment, ISequencePolicy policy)
        => environment.Targets is { } task
            // The closed-form true gradient needs reward 1[a = y*] on a single action: the bare MNIST task, no reward wrapper.
            ? new BatchDirections(policy, task, environment is MnistEnvironment)
            : null;

    /// <summary>Computes both directions on <paramref name="rollout"/>'s prompts; leaves the gradient buffer zeroed.</summary>
    public void Before(Rollout rollout)
    {
        int rows = rollout.RowCount, length = rollout.Length, answer = rollout.AnswerLength;
        var tokens = _tokens.AsSpan(0, rows * length);
        for (var r = 0; r < rows; r++)
        {
            var row = tokens.Slice(r * length, length);
            rollout.Prompt(r).CopyTo(row);
            _task.WriteTarget(row[..rollout.PromptLength], row[rollout.PromptLength..]);
        }
        var logProbs = _policy.Forward(tokens, rows, length, rollout.PromptLength);
        var dLogProbs = _dLogProbs.AsSpan(0, rows * answer);

        dLogProbs.Fill(1f);
        Accumulate(rows, dLogProbs, _oracle);
        if (_hasTrueGradient)
        {
            for (var i = 0; i < dLogProbs.Length; i++) dLogProbs[i] = MathF.Exp(logProbs[i]);
            Accumulate(rows, dLogProbs, _truth);
        }
    }

    /// <param name="lossGradient">the learner's gradient buffer: d loss / d θ, so the update is its negative</param>
    public (double Truth, double Oracle) After(ReadOnlySpan<float> lossGradient)
    {
        return (_hasTrueGradient ? GradientGeometry.UpdateCosine(lossGradient, _truth) : double.NaN,
            GradientGeometry.UpdateCosine(lossGradient, _oracle));
    }

    /// <summary>Back-propagates Σ dLogProbs·log π(target) into <paramref name="direction"/>, through the policy's own buffer.</summary>
    void Accumulate(int rows, ReadOnlySpan<float> dLogProbs, double[] direction)
    {
        _policy.Parameters.ZeroGradients();
        _policy.Backward(_rows.AsSpan(0, rows), dLogProbs);
        ReadOnlySpan<float> gradient = _policy.Parameters.Gradients;
        for (var i = 0; i < direction.Length; i++) direction[i] = gradient[i];
        _policy.Parameters.ZeroGradients();
    }
}
