namespace Delight.Policies;

/// <summary>
/// Shape of the decoder-only transformer. Defaults are the reference's (egg transformers.py): 3 pre-LayerNorm
/// blocks, width 64, 4 heads, feed-forward 128 with ReLU, no biases in Linear layers, learned token and position
/// embeddings, no final LayerNorm, untied output head. About 100K parameters at vocabulary 2, length 20.
/// </summary>
public sealed record TransformerOptions
{
    /// <summary>Token vocabulary V (2 for binary reversal).</summary>
    public int VocabularySize { get; init; } = 2;
    /// <summary>Longest sequence L = prompt + answer; sizes the position table and the KV cache.</summary>
    public int SequenceLength { get; init; } = 20;
    /// <summary>Residual width d.</summary>
    public int Width { get; init; } = 64;
    /// <summary>Attention heads H; must divide the width.</summary>
    public int HeadCount { get; init; } = 4;
    public int LayerCount { get; init; } = 3;
    /// <summary>Hidden width of each block's MLP.</summary>
    public int FeedForwardWidth { get; init; } = 128;
    /// <summary>PyTorch's default LayerNorm ε (the JAX reference used 1e-6; the difference is immaterial).</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;
    /// <summary>Most sequences one forward (or one sampling call) handles: sizes the activation arena once.</summary>
    public int MaxRows { get; init; } = 100;

    public void Validate()
    {
        Positive(VocabularySize, "vocab");
        Positive(SequenceLength, "length");
        Positive(Width, "width");
        Positive(HeadCount, "heads");
        Positive(LayerCount, "layers");
        Positive(FeedForwardWidth, "ff");
        Positive(MaxRows, "max rows");
        if (SequenceLength < 2) throw new ArgumentException($"length {SequenceLength} is too short: a sequence needs at least 2 tokens (one to condition on, one to predict).");
        if (Width % HeadCount != 0) throw new ArgumentException($"width {Width} is not divisible by heads {HeadCount}: choose heads dividing the width (e.g. 4 for width 64).");
        if (!(LayerNormEpsilon > 0) || !float.IsFinite(LayerNormEpsilon)) throw new ArgumentException($"ln_eps {LayerNormEpsilon} must be a finite number > 0.");
        // Checked before anything is allocated: a checkpoint's metadata or a flag must not reserve gigabytes.
        if (ParameterCount > PolicyLimits.MaxParameters)
            throw new ArgumentException($"vocab {VocabularySize}, length {SequenceLength}, width {Width}, layers {LayerCount} and ff {FeedForwardWidth} give {ParameterCount} parameters, more than the {PolicyLimits.MaxParameters} supported.");
        if (ActivationFloats > PolicyLimits.MaxActivations)
            throw new ArgumentException($"{MaxRows} rows of length {SequenceLength} (width {Width}, heads {HeadCount}, layers {LayerCount}, ff {FeedForwardWidth}, vocab {VocabularySize}) need about {ActivationFloats:0} activation floats, more than the {PolicyLimits.MaxActivations} supported; use fewer rows, a shorter sequence or a smaller model.");
    }

    /// <summary>Trainable floats: embeddings V·C + L·C, per block 2 LayerNorms (4C), attention 4C², MLP 2·C·F, head C·V.</summary>
    public long ParameterCount
    {
        get
        {
            double c = Width;
            var count = (double)VocabularySize * c * 2 + (double)SequenceLength * c + (double)LayerCount * (4 * c + 4 * c * c + 2 * c * FeedForwardWidth);
            return count > long.MaxValue / 2 ? long.MaxValue / 2 : (long)count;
        }
    }

    /// <summary>
    /// Upper estimate of the floats the forward's stored activations and the backward's scratch need (the larger of
    /// the policy's arenas): per position 11C + 2F + 4 per block and 2V + 3·max(3C, F) at the ends, plus two B·H·L²
    /// attention tables per block. In double, so absurd shapes cannot overflow the estimate.
    /// </summary>
    public double ActivationFloats
    {
        get
        {
            double positions = (double)MaxRows * SequenceLength, c = Width, f = FeedForwardWidth;
            return positions * ((LayerCount + 1) * (11 * c + 2 * f + 4) + 2.0 * VocabularySize + 3 * Math.Max(3 * c, f))
                + 2.0 * (LayerCount + 1) * MaxRows * HeadCount * SequenceLength * (double)SequenceLength;
        }
    }

    static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be a positive integer, got {value}.");
    }
}
