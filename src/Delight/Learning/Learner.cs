using Delight.Numerics;
using Delight.Policies;

namespace Delight.Learning;

/// <summary>
/// One learner step over a rollout, in five stages (one file each):
///   1.Forward  teacher-forced log-probs of every answer token, activations kept
///   2.Weights  signals (U, ℓ, χ) → the loss's coefficient per token
///   3.Screen   rows whose coefficients are all zero are dropped
///   4.Backward only the kept rows, reusing the stored activations
///   5.Update   optimizer step; the policy version advances
/// </summary>
public sealed partial class Learner
{
    readonly float[] _advantage;
    readonly float[] _surprisal;
    readonly float[] _delight;
    readonly float[] _coefficients;
    readonly float[] _dLogProbs;
    readonly float[] _entropy;
    readonly int[] _keptRows;
    int _keptCount;
    LearnerStepMetrics _metrics;

    public Learner(TransformerPolicy policy, ILoss loss, Optimizer optimizer, LearnerOptions? options = null)
    {
        Policy = policy;
        Loss = loss;
        Optimizer = optimizer;
        Options = options ?? new LearnerOptions();
        int rows = policy.Options.MaxRows, tokens = policy.Options.MaxRows * policy.SequenceLength;
        _advantage = new float[rows];
        _surprisal = new float[tokens];
        _delight = new float[tokens];
        _coefficients = new float[tokens];
        _dLogProbs = new float[tokens];
        _entropy = new float[tokens];
        _keptRows = new int[rows];
    }

    public TransformerPolicy Policy { get; }
    public ILoss Loss { get; }
    public Optimizer Optimizer { get; }
    public LearnerOptions Options { get; }
    /// <summary>Number of updates applied; the version an actor syncing now would sample with.</summary>
    public long PolicyVersion { get; private set; }

    public LearnerStepMetrics Step(Rollout rollout)
    {
        _metrics = default;
        Forward(rollout);
        Weights(rollout);
        Screen(rollout);
        Backward(rollout);
        Update();
        return _metrics;
    }
}
