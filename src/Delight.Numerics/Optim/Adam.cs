using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Delight.Numerics;

/// <summary>
/// Adam (Kingma &amp; Ba), bias-corrected, no weight decay, constant learning rate (the reference's optax.adam):
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε)
/// The moments live in buffers with the parameter buffer's layout. Moments are flushed to zero when subnormal
/// (see <see cref="Denormals"/>): a peaked policy's tiny gradients would otherwise square into subnormals.
/// </summary>
public sealed class Adam : Optimizer
{
    public Adam(int bufferLength, float learningRate = 3e-4f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"learning rate {learningRate} must be > 0.");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 {beta1} must be in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), $"beta2 {beta2} must be in [0, 1).");
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FirstMoment = new float[bufferLength];
        SecondMoment = new float[bufferLength];
        _job = new UpdateJob(this);
    }

    public float LearningRate { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float[] FirstMoment { get; }
    public float[] SecondMoment { get; }
    public override string Name => "adam";

    public override unsafe void Step(ParameterSet parameters)
    {
        StepCount++;
        var correction1 = 1f - MathF.Pow(Beta1, StepCount);
        var correction2 = 1f - MathF.Pow(Beta2, StepCount);
        float stepSize = LearningRate / correction1, rootCorrection2 = 1f / MathF.Sqrt(correction2);
        Span<float> theta = parameters.Values, g = parameters.Gradients;
        var pool = WorkerPool.Shared;
        if (theta.Length < MinParallelLength || pool.ThreadCount == 1 || WorkerPool.InParallelPart || pool.IsBusy)
        {
            Update(theta, g, FirstMoment, SecondMoment, stepSize, rootCorrection2, Beta1, Beta2, Epsilon);
            return;
        }
        var slot = _tuner.Slot(theta.Length);
        var split = _tuner.ShouldSplit(slot);
        var start = SplitTuner.Now();
        if (!split) Update(theta, g, FirstMoment, SecondMoment, stepSize, rootCorrection2, Beta1, Beta2, Epsilon);
        else
            fixed (float* pTheta = theta, pG = g, pM = FirstMoment, pV = SecondMoment)
            {
                _job.Set(pTheta, pG, pM, pV, theta.Length, stepSize, rootCorrection2, pool.ThreadCount);
                pool.Run(pool.ThreadCount, _job);
            }
        _tuner.Record(slot, split, SplitTuner.Now() - start, theta.Length);
    }

    /// <summary>
    /// Smallest parameter count whose update may be split over <see cref="WorkerPool.Shared"/> (about 15 µs of work).
    /// Every element's update is independent and each part takes whole 16-float blocks, so every element goes through
    /// the same (vector or scalar) path as in one pass: the bits do not depend on the split.
    /// </summary>
    const int MinParallelLength = 32_768;

    readonly SplitTuner _tuner = new();
    // Made with the optimizer, not on the first split: that split may come late (the tuner's choice, or a busy pool
    // keeping every earlier step serial), and a step loop must allocate nothing once warm.
    readonly UpdateJob _job;

    /// <summary>One part of a split update: parts own disjoint, 16-float-aligned ranges of the buffers.</summary>
    sealed unsafe class UpdateJob(Adam owner) : IParallelJob
    {
        float* _theta, _g, _m, _v;
        int _length, _parts;
        float _stepSize, _rootCorrection2;

        public void Set(float* theta, float* g, float* m, float* v, int length, float stepSize, float rootCorrection2, int parts)
        {
            _theta = theta;
            _g = g;
            _m = m;
            _v = v;
            (_length, _stepSize, _rootCorrection2, _parts) = (length, stepSize, rootCorrection2, parts);
        }

        public void Execute(int part)
        {
            var blocks = (_length + 15) / 16;
            var first = Math.Min(_length, (int)((long)blocks * part / _parts) * 16);
            var end = Math.Min(_length, (int)((long)blocks * (part + 1) / _parts) * 16);
            var n = end - first;
            Update(new Span<float>(_theta + first, n), new ReadOnlySpan<float>(_g + first, n), new Span<float>(_m + first, n),
                new Span<float>(_v + first, n), _stepSize, _rootCorrection2, owner.Beta1, owner.Beta2, owner.Epsilon);
        }
    }

    /// <summary>
    /// θ −= stepSize·m / (√v·rootCorrection2 + ε), after updating m and v; stepSize = lr/(1−β1ᵗ),
    /// rootCorrection2 = 1/√(1−β2ᵗ). Vectorised with a scalar tail that performs the same operations.
    /// </summary>
    internal static void Update(Span<float> theta, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float stepSize, float rootCorrection2, float beta1, float beta2, float epsilon)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref var t0 = ref MemoryMarshal.GetReference(theta);
            ref var g0 = ref MemoryMarshal.GetReference(g);
            ref var m0 = ref MemoryMarshal.GetReference(m);
            ref var v0 = ref MemoryMarshal.GetReference(v);
            var b1 = Vector512.Create(beta1);
            var c1 = Vector512.Create(1f - beta1);
            var b2 = Vector512.Create(beta2);
            var c2 = Vector512.Create(1f - beta2);
            var min = Vector512.Create(Denormals.MinNormal);
            for (; i <= theta.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var gi = Vector512.LoadUnsafe(ref g0, (nuint)i);
                var mi = Vector512.FusedMultiplyAdd(b1, Vector512.LoadUnsafe(ref m0, (nuint)i), c1 * gi);
                var vi = Vector512.FusedMultiplyAdd(b2, Vector512.LoadUnsafe(ref v0, (nuint)i), c2 * gi * gi);
                // Flush what is below MinNormal, as the scalar tail does; a NaN (compares false) is kept there and here.
                mi = Vector512.AndNot(mi, Vector512.LessThan(Vector512.Abs(mi), min));
                vi = Vector512.AndNot(vi, Vector512.LessThan(vi, min));
                mi.StoreUnsafe(ref m0, (nuint)i);
                vi.StoreUnsafe(ref v0, (nuint)i);
                var denominator = Vector512.FusedMultiplyAdd(Vector512.Sqrt(vi), Vector512.Create(rootCorrection2), Vector512.Create(epsilon));
                var ti = Vector512.LoadUnsafe(ref t0, (nuint)i) - Vector512.Create(stepSize) * mi / denominator;
                ti.StoreUnsafe(ref t0, (nuint)i);
            }
        }
        UpdateScalar(theta[i..], g[i..], m[i..], v[i..], stepSize, rootCorrection2, beta1, beta2, epsilon);
    }

    /// <summary>The scalar reference of <see cref="Update"/>.</summary>
    internal static void UpdateScalar(Span<float> theta, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float stepSize, float rootCorrection2, float beta1, float beta2, float epsilon)
    {
        for (var i = 0; i < theta.Length; i++)
        {
            var gi = g[i];
            var mi = MathF.FusedMultiplyAdd(beta1, m[i], (1f - beta1) * gi);
            var vi = MathF.FusedMultiplyAdd(beta2, v[i], (1f - beta2) * gi * gi);
            if (MathF.Abs(mi) < Denormals.MinNormal) mi = 0f;
            if (vi < Denormals.MinNormal) vi = 0f;
            m[i] = mi;
            v[i] = vi;
            theta[i] -= stepSize * mi / MathF.FusedMultiplyAdd(MathF.Sqrt(vi), rootCorrection2, epsilon);
        }
    }
}
