using System.Globalization;
using Delight.Policies;

namespace Delight.Diagnostics;

/// <summary>
/// A transformer size for `delight bench --size d,layers,heads,ff,L`: width, blocks, heads, feed-forward width and
/// sequence length (prompt L/2, answer L − L/2, vocabulary 2, 100 rows), the shapes of the TorchSharp peer's
/// scaling matrix.
/// </summary>
public sealed record ModelSize(int Width, int Layers, int Heads, int FeedForward, int Length)
{
    /// <summary>The papers' size (d = 64, 3 blocks, 4 heads, FF 128, L = 20).</summary>
    public static ModelSize Default { get; } = new(64, 3, 4, 128, 20);

    /// <summary>The built-in matrix: the papers' size up to 19M parameters (the peer's `scale` sizes).</summary>
    public static IReadOnlyList<ModelSize> Matrix { get; } =
    [
        Default, new(128, 4, 4, 512, 20), new(256, 6, 8, 1024, 20), new(256, 6, 8, 1024, 64), new(512, 6, 8, 2048, 64),
    ];

    /// <summary>"d,layers,heads,ff,L" → a size, or a one-line error naming the flag and the fix.</summary>
    public static ModelSize Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1)
                values[i] = -1;
        if (parts.Length != 5 || values.Any(v => v < 1))
            throw new ArgumentException($"--size '{text}' must be five positive integers d,layers,heads,ff,L (e.g. --size 64,3,4,128,20).");
        var size = new ModelSize(values[0], values[1], values[2], values[3], values[4]);
        if (size.Width % size.Heads != 0)
            throw new ArgumentException($"--size '{text}': heads {size.Heads} must divide the width {size.Width} (e.g. 4 heads for d = 64).");
        if (size.Length < 4)
            throw new ArgumentException($"--size '{text}': L {size.Length} must be at least 4 (a prompt and an answer of 2 tokens or more).");
        return size;
    }

    public int PromptLength => Length / 2;
    public int AnswerLength => Length - PromptLength;

    /// <summary>The name used in JSON keys, as the peer names it: d64_l3_h4_ff128_L20.</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"d{Width}_l{Layers}_h{Heads}_ff{FeedForward}_L{Length}");

    public TransformerOptions Options(int maxRows) => new()
    {
        VocabularySize = 2, SequenceLength = Length, Width = Width, HeadCount = Heads, LayerCount = Layers,
        FeedForwardWidth = FeedForward, MaxRows = maxRows,
    };

    /// <summary>Weights of every matrix product per position (embeddings and LayerNorms excluded).</summary>
    double MatrixWeights => Layers * (4.0 * Width * Width + 2.0 * Width * FeedForward) + 2.0 * Width;

    /// <summary>
    /// FLOPs of one learner step over <paramref name="rows"/> rows, the peer's formula: forward = 2·(matrix weights)
    /// per position over rows·(L − 1) positions + causal attention 2·T²·d per row and layer; backward = 2× forward.
    /// </summary>
    public double LearnFlops(int rows)
    {
        double t = Length - 1;
        return 3 * (2 * MatrixWeights * rows * t + Layers * rows * 2 * t * t * Width);
    }

    /// <summary>FLOPs of sampling <paramref name="rows"/> rows with the KV cache: one position at a time, L − 1 of them.</summary>
    public double SampleFlops(int rows)
    {
        double t = Length - 1;
        return 2 * MatrixWeights * rows * t + 4.0 * Layers * Width * rows * t * (t + 1) / 2;
    }
}
