using System.Numerics.Tensors;

namespace Delight.Numerics;

/// <summary>
/// Row-wise log-softmax and its backward for a loss on the log-prob of one chosen class per row.
/// Legend: N rows, V classes (vocabulary or actions).
/// </summary>
public static class LogSoftmax
{
    /// <summary>
    /// Below this, exp underflows float32 to a subnormal or zero: such classes contribute nothing measurable to the
    /// normaliser, so their exponentials are skipped instead of computed as slow subnormals.
    /// </summary>
    const float SubnormalCutoff = -87f;

    /// <summary>
    /// Below this log-prob (p &lt; e⁻⁶⁰ ≈ 9e-27) a class's term −g·p of the gradient is dropped. Such a term is 26
    /// orders below the row's weight g, but propagated through a network it becomes subnormal, and a saturated policy
    /// (every row like this) then made a d = 256 learner step 3–50× slower on x86. No update can see the term:
    /// Adam's ε (1e-8) alone scales it below a float's resolution at any parameter of size 1e-8 or more.
    /// </summary>
    const float GradientCutoff = -60f;

    /// <summary>logProbs[n, v] = logits[n, v] − log Σ_u exp(logits[n, u]), computed stably.</summary>
    public static void Forward(ReadOnlySpan<float> logits, Span<float> logProbs, int rowCount, int classCount)
    {
        for (var r = 0; r < rowCount; r++)
        {
            var x = logits.Slice(r * classCount, classCount);
            var y = logProbs.Slice(r * classCount, classCount);
            var max = TensorPrimitives.Max(x);
            var sum = 0f;
            for (var v = 0; v < classCount; v++)
            {
                var shifted = x[v] - max;
                if (shifted > SubnormalCutoff) sum += MathF.Exp(shifted);
            }
            var logNormalizer = max + MathF.Log(sum);
            TensorPrimitives.Subtract(x, logNormalizer, y);
        }
    }

    /// <summary>
    /// Gradient of Σ_n g[n]·logProbs[n, target[n]] with respect to the logits:
    /// dLogits[n, v] = g[n]·(1[v = target[n]] − p[n, v]), p = exp(logProbs). Overwrites dLogits. Classes with
    /// log-prob below <see cref="GradientCutoff"/> get no −g·p term, and entries below <see cref="Denormals.MinNormal"/>
    /// are +0: a subnormal here would slow every multiply-add of the backward that touches it (up to 100× on x86).
    /// </summary>
    public static void BackwardGathered(ReadOnlySpan<float> logProbs, ReadOnlySpan<int> targets, ReadOnlySpan<float> dTarget,
        Span<float> dLogits, int rowCount, int classCount)
    {
        for (var r = 0; r < rowCount; r++)
        {
            var lp = logProbs.Slice(r * classCount, classCount);
            var d = dLogits.Slice(r * classCount, classCount);
            var g = dTarget[r];
            if (g == 0f)
            {
                d.Clear();
                continue;
            }
            for (var v = 0; v < classCount; v++)
                d[v] = lp[v] > GradientCutoff ? Denormals.Flush(-g * MathF.Exp(lp[v])) : 0f;
            d[targets[r]] = Denormals.Flush(d[targets[r]] + g);
        }
    }

    /// <summary>Entropy −Σ p log p of one row of log-probs.</summary>
    public static float Entropy(ReadOnlySpan<float> logProbs)
    {
        var h = 0f;
        foreach (var lp in logProbs)
            if (lp > SubnormalCutoff) h -= MathF.Exp(lp) * lp;
        return h;
    }
}
