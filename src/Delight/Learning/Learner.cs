using Delight.Numerics;
using Delight.Policies;
using Delight.Screens;

namespace Delight.Learning;

/// <summary>
/// One learner step over a rollout, in stages (one file each):
///   0.Prescreen check the rollout, advantages over the whole batch; a speculative screen picks the rows to forward
///   1.Forward   teacher-forced log-probs of every answer token of the forwarded rows, activations kept
///   2.Weights   signals (U, ℓ, χ) → the loss's coefficient per token → the exact screen's mask, if any
///   3.Screen    rows whose coefficients are all zero are dropped
///   4.Backward  only the kept rows, reusing the stored activations
///   5.Update    optimizer step; the policy version advances
/// </summary>
public sealed partial class Learner : ILearner
{
    readonly float[] _batchAdvantage;
    readonly float[] _advantage;
    readonly float[] _surprisal;
    readonly float[] _delight;
    readonly float[] _behaviour;
    readonly float[] _coefficients;
    readonly float[] _mask;
    readonly float[] _auditMask;
    readonly float[] _dLogProbs;
    readonly float[] _entropy;
    readonly int[] _forwardRows;
    readonly int[] _forwardTokens;
    readonly int[] _keptRows;
    readonly float[] _expectedConfidenceLogProbs;
    readonly KondoScreen? _screen;
    readonly RolloutCheck? _givenCheck;
    RolloutCheck? _inferredCheck;
    int _forwardCount;
    int _keptCount;
    long _stepIndex;
    LearnerStepMetrics _metrics;

    /// <param name="check">the run's rollout rules (<see cref="RolloutCheck"/>); null: those the learner can infer</param>
    public Learner(ISequencePolicy policy, ILoss loss, Optimizer optimizer, LearnerOptions? options = null, Rng? rng = null, RolloutCheck? check = null)
    {
        _givenCheck = check;
        Options = options ?? new LearnerOptions();
        Options.Validate();
        Policy = policy;
        Loss = loss;
        Optimizer = optimizer;
        int rows = policy.MaxRows, tokens = policy.MaxRows * policy.MaxLength;
        _batchAdvantage = new float[rows];
        _advantage = new float[rows];
        _surprisal = new float[tokens];
        _delight = new float[tokens];
        _behaviour = new float[tokens];
        _coefficients = new float[tokens];
        _mask = new float[tokens];
        _auditMask = new float[tokens];
        _dLogProbs = new float[tokens];
        _entropy = new float[tokens];
        _forwardRows = new int[rows];
        _forwardTokens = new int[tokens];
        _keptRows = new int[rows];
        _expectedConfidenceLogProbs = new float[rows * policy.ActionCount];
        if (Options.Kondo is { } kondo) _screen = new KondoScreen(kondo, tokens, (rng ?? new Rng(0)).Split("kondo"));
    }

    public ISequencePolicy Policy { get; }
    public ILoss Loss { get; }
    /// <summary>The run's rollout rules, when the learner was given them (null: it infers what it can from each rollout).</summary>
    public RolloutCheck? RolloutCheck => _givenCheck;
    public Optimizer Optimizer { get; }
    public LearnerOptions Options { get; }
    /// <summary>Number of updates applied; the version an actor syncing now would sample with.</summary>
    public long PolicyVersion { get; private set; }

    public LearnerStepMetrics Step(Rollout rollout)
    {
        _metrics = default;
        _metrics.ScreenDisagreement = float.NaN;
        Prescreen(rollout);
        Forward(rollout);
        Weights(rollout);
        Screen(rollout);
        Backward(rollout);
        Update();
        _stepIndex++;
        return _metrics;
    }
}
