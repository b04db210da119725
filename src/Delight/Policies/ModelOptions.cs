using System.Globalization;
using Delight.Runtime;

namespace Delight.Policies;

/// <summary>
/// The size of the network a run trains (issue 16): the transformer's <c>--width --layers --heads --ff</c> for token
/// tasks, the MLP's <c>--hidden</c> widths for feature tasks (MNIST). Null keeps the policy's own default (the
/// reference's 64 × 3 blocks, 4 heads, ff 128; the MLP's 100,100). A size that does not fit the task's policy is
/// refused, not ignored: bandits train a table, which has no size.
/// </summary>
public sealed record ModelOptions
{
    /// <summary>Bounds that keep one policy (values, gradients, Adam moments, activations) well inside one machine's memory.</summary>
    public const int MaxWidth = 4096, MaxLayers = 64, MaxFeedForward = 16384, MaxHiddenLayers = 16, MaxHiddenWidth = 65536;

    [Option("width", "transformer: residual width d (default 64); --heads must divide it.", Min = 1, Max = MaxWidth)]
    public int? Width { get; init; }
    [Option("layers", "transformer: blocks (default 3).", Min = 1, Max = MaxLayers)]
    public int? Layers { get; init; }
    [Option("heads", "transformer: attention heads (default 4); must divide --width.", Min = 1, Max = MaxWidth)]
    public int? Heads { get; init; }
    [Option("ff", "transformer: feed-forward width of each block (default 128).", Min = 1, Max = MaxFeedForward)]
    public int? FeedForward { get; init; }
    [Option("hidden", "mlp (mnist): hidden widths, input side first, separated by ',' or 'x' (default 100,100; 0 for a linear policy).")]
    public string? Hidden { get; init; }

    /// <summary>True when no size is given: every policy keeps its default.</summary>
    public bool IsDefault => Width is null && Layers is null && Heads is null && FeedForward is null && Hidden is null;

    /// <summary>The transformer's shape: <paramref name="shape"/> (vocabulary, length, rows) with the sizes given here.</summary>
    public TransformerOptions Transformer(TransformerOptions shape)
    {
        RefuseHidden("the transformer");
        var options = shape with
        {
            Width = Width ?? shape.Width,
            LayerCount = Layers ?? shape.LayerCount,
            HeadCount = Heads ?? shape.HeadCount,
            FeedForwardWidth = FeedForward ?? shape.FeedForwardWidth,
        };
        Bounded("--width", options.Width, MaxWidth);
        Bounded("--layers", options.LayerCount, MaxLayers);
        Bounded("--heads", options.HeadCount, options.Width);
        Bounded("--ff", options.FeedForwardWidth, MaxFeedForward);
        if (options.Width % options.HeadCount != 0)
            throw new OptionException("--heads", $"--heads {options.HeadCount} does not divide --width {options.Width}; choose heads dividing the width (e.g. --heads 4 with --width 64, --heads 8 with --width 256).");
        if (options.ParameterCount > PolicyLimits.MaxParameters)
            throw new OptionException("--width", string.Create(CultureInfo.InvariantCulture,
                $"--width {options.Width} --layers {options.LayerCount} --ff {options.FeedForwardWidth} gives {options.ParameterCount:N0} parameters, above the {PolicyLimits.MaxParameters:N0} supported; lower --width, --layers or --ff."));
        if (options.ActivationFloats > PolicyLimits.MaxActivations)
            throw new OptionException("--width", string.Create(CultureInfo.InvariantCulture,
                $"--width {options.Width} --layers {options.LayerCount} --ff {options.FeedForwardWidth} needs {options.ActivationFloats:N0} activation floats for {options.MaxRows} rows, above the {PolicyLimits.MaxActivations:N0} supported; lower the size or the batch (--prompts × --samples)."));
        return options;
    }

    /// <summary>The MLP's shape: <paramref name="shape"/> (inputs, actions, rows) with the hidden widths given here.</summary>
    public MlpOptions Mlp(MlpOptions shape)
    {
        RefuseTransformer("an MLP (--hidden sizes it)");
        var options = Hidden is null ? shape : shape with { HiddenWidths = ParseHidden(Hidden) };
        if (options.ParameterCount > PolicyLimits.MaxParameters)
            throw new OptionException("--hidden", string.Create(CultureInfo.InvariantCulture,
                $"--hidden {Hidden} gives {options.ParameterCount:N0} parameters, above the {PolicyLimits.MaxParameters:N0} supported; use narrower layers."));
        if (options.ActivationFloats > PolicyLimits.MaxActivations)
            throw new OptionException("--hidden", string.Create(CultureInfo.InvariantCulture,
                $"--hidden {Hidden} needs {options.ActivationFloats:N0} activation floats for {options.MaxRows} rows, above the {PolicyLimits.MaxActivations:N0} supported; use narrower layers or a smaller batch."));
        return options;
    }

    /// <summary>The table has no size: any size given is an error naming the flag.</summary>
    public void RefuseAll(string policy)
    {
        RefuseTransformer(policy);
        RefuseHidden(policy);
    }

    /// <summary>Hidden widths as the CLI spells them: "100,100", "256x256", or "0" for no hidden layer.</summary>
    public static int[] ParseHidden(string text)
    {
        var t = text.Trim();
        if (t is "" or "0" or "none") return [];
        var parts = t.Split([',', 'x'], StringSplitOptions.TrimEntries);
        if (parts.Length > MaxHiddenLayers)
            throw new OptionException("--hidden", $"--hidden {text} has {parts.Length} layers, more than the {MaxHiddenLayers} supported.");
        var widths = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0 || widths[i] > MaxHiddenWidth)
                throw new OptionException("--hidden", $"hidden width '{parts[i]}' in --hidden {text} must be an integer in [1, {MaxHiddenWidth}]; write widths like --hidden 256,256.");
        return widths;
    }

    void RefuseTransformer(string policy)
    {
        foreach (var (flag, value) in new[] { ("--width", Width), ("--layers", Layers), ("--heads", Heads), ("--ff", FeedForward) })
            if (value is not null)
                throw new OptionException(flag, $"{flag} sizes the transformer, but this task trains {policy}; drop {flag}.");
    }

    void RefuseHidden(string policy)
    {
        if (Hidden is not null)
            throw new OptionException("--hidden", $"--hidden sizes the MLP of feature tasks (mnist), but this task trains {policy}; drop --hidden (the transformer takes --width --layers --heads --ff).");
    }

    static void Bounded(string flag, int value, int max)
    {
        if (value < 1 || value > max)
            throw new OptionException(flag, string.Create(CultureInfo.InvariantCulture, $"{flag} {value} must be an integer in [1, {max}]."));
    }
}
