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
        if (!(LayerNormEpsilon > 0)) throw new ArgumentException($"ln_eps {LayerNormEpsilon} must be > 0.");
    }

    static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be a positive integer, got {value}.");
    }
}
