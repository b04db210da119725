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
    }

    public float LearningRate { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float[] FirstMoment { get; }
    public float[] SecondMoment { get; }
    public override string Name => "adam";

    public override void Step(ParameterSet parameters)
    {
        StepCount++;
        var correction1 = 1f - MathF.Pow(Beta1, StepCount);
        var correction2 = 1f - MathF.Pow(Beta2, StepCount);
        Update(parameters.Values, parameters.Gradients, FirstMoment, SecondMoment,
            LearningRate / correction1, 1f / MathF.Sqrt(correction2), Beta1, Beta2, Epsilon);
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
                mi = Vector512.BitwiseAnd(mi, Vector512.GreaterThanOrEqual(Vector512.Abs(mi), min));
                vi = Vector512.BitwiseAnd(vi, Vector512.GreaterThanOrEqual(vi, min));
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
