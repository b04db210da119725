using System.Numerics;

namespace Delight.Diagnostics.Bandits;

/// <summary>Dot products and cosines accumulated in double, for a learner's float update against an exact gradient.</summary>
public static class GradientGeometry
{
    /// <summary>Σ a_i·b_i in double.</summary>
    public static double Dot<TA, TB>(ReadOnlySpan<TA> a, ReadOnlySpan<TB> b)
        where TA : unmanaged, INumberBase<TA>
        where TB : unmanaged, INumberBase<TB>
    {
        if (a.Length != b.Length) throw new ArgumentException($"the vectors differ in length: {a.Length} and {b.Length}.");
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += double.CreateTruncating(a[i]) * double.CreateTruncating(b[i]);
        return sum;
    }

    /// <summary>
    /// a·b / (‖a‖·‖b‖) in double. A zero vector has no direction, so its cosine with anything (itself included) is
    /// defined as 0: a step that moves nowhere is counted as neither aligned nor opposed.
    /// </summary>
    public static double Cosine<TA, TB>(ReadOnlySpan<TA> a, ReadOnlySpan<TB> b)
        where TA : unmanaged, INumberBase<TA>
        where TB : unmanaged, INumberBase<TB>
    {
        var normA = Dot(a, a);
        var normB = Dot(b, b);
        if (normA == 0 || normB == 0) return 0;
        return Math.Clamp(Dot(a, b) / Math.Sqrt(normA * normB), -1, 1);
    }

    /// <summary>
    /// The cosine of a learner's update to <paramref name="direction"/>, given the loss gradient it descended: the update
    /// is −lossGradient, so this is −cos(lossGradient, direction) without copying the negated vector (negation is exact,
    /// so the value is the same bit for bit). 0 where either vector is zero, as for <see cref="Cosine"/>.
    /// </summary>
    public static double UpdateCosine(ReadOnlySpan<float> lossGradient, ReadOnlySpan<double> direction)
        => 0.0 - Cosine(lossGradient, direction); // 0.0 − x: a zero cosine stays +0, never −0

}
