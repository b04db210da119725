using System.Globalization;
using Delight.Numerics;

namespace Delight.Policies;

/// <summary>
/// Multilayer-perceptron contextual-bandit policy (see <see cref="MlpOptions"/>): features → [Linear → ReLU]* →
/// Linear → log-softmax over K actions, one action per row. Legend: B rows, I inputs, H_i hidden widths, K actions.
///
/// Use: <see cref="Forward"/> computes and stores every activation and the full log-softmax [B, K] (what an actor
/// samples from); then <see cref="ScoreActions"/> records the chosen actions (or <see cref="SampleActions"/> draws
/// and records them), which fixes <see cref="ActionLogProbs"/>; then <see cref="Backward"/> over any row subset.
///
/// Files by use: this one (parameters and memory), .Forward (forward, scoring, sampling), .Backward.
/// </summary>
public sealed partial class MlpPolicy : IPolicy
{
    /// <summary>fc1 … fc{n+1}: the hidden layers, then the output layer.</summary>
    readonly Linear[] _layers;

    public MlpPolicy(MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // A private copy of the widths, so a caller mutating its array cannot change the built network's description.
        Options = options with { HiddenWidths = [.. options.HiddenWidths] };
        var widths = Options.HiddenWidths;
        var p = new ParameterSet();
        _layers = new Linear[widths.Count + 1];
        var inputs = options.InputCount;
        for (var i = 0; i < _layers.Length; i++)
        {
            var outputs = i < widths.Count ? widths[i] : options.ActionCount;
            _layers[i] = new Linear(p, $"fc{i + 1}", inputs, outputs, bias: true);
            inputs = outputs;
        }
        p.Allocate();
        Parameters = p;
        Metadata = new Dictionary<string, string>
        {
            ["policy"] = Kind,
            ["input"] = Str(options.InputCount),
            ["hidden"] = string.Join(",", widths.Select(Str)),
            ["actions"] = Str(options.ActionCount),
        };
        _saved = new SavedActivations(Options);
        _scratch = new BackwardScratch(Options);
        // Made up front (a step loop must not allocate once warm), for an fc1 neither too small (the dense GEMM is then
        // as fast) nor so large that the scratch, about twice fc1's weight, would cost more memory than it saves time.
        var weightFloats = (long)options.InputCount * _layers[0].OutputCount;
        if (weightFloats is >= SparseMinWeightFloats and <= SparseMaxWeightFloats)
        {
            _sparseInput = new SparseRows(options.MaxRows, options.InputCount, SparseInputMaxDensity);
            _sparseFirstLayer = new SparseGemm(options.MaxRows, options.InputCount, _layers[0].OutputCount);
        }
    }

    /// <summary>
    /// Inputs with at most this fraction of nonzero features run fc1's forward through <see cref="SparseGemm"/> (same
    /// bits, the zeros' multiply-adds skipped). Measured at 784 → 100, 100 rows, one thread: the sparse forward
    /// (compression included) takes 87 µs at MNIST's 19 % against the dense 130, and breaks even near 35 %. It is
    /// serial, so it runs only where the dense GEMM could not split either: one thread, a busy pool (actors beside a
    /// learner), or inside a parallel part; at two free threads the split dense forward measured as fast or faster.
    /// </summary>
    const double SparseInputMaxDensity = 0.3;

    /// <summary>
    /// Smallest fc1 weight (floats) given the sparse path. Measured, one thread, 100 rows, sparse against dense: 32 → 16
    /// 2.0–2.5 µs against 1.4 (slower at 5 % and 19 % nonzero); 64 → 64 4.8–6.6 against 6.1–6.3 (even at 19 %);
    /// 128 → 128 13–18 against 23; 784 → 100 87 against 130 at 19 %.
    /// </summary>
    const long SparseMinWeightFloats = 8192;

    /// <summary>Largest fc1 weight (floats, 16 MiB) given the sparse path; MNIST's is 78,400.</summary>
    const long SparseMaxWeightFloats = 4L << 20;

    readonly SparseRows? _sparseInput;
    readonly SparseGemm? _sparseFirstLayer;

    public string Kind => "mlp";
    public MlpOptions Options { get; }
    public ParameterSet Parameters { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public int InputCount => Options.InputCount;
    public int ActionCount => Options.ActionCount;
    public int MaxRows => Options.MaxRows;

    /// <summary>Fresh parameters from <paramref name="rng"/>: each layer from its own stream split by weight name.</summary>
    public void Initialize(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        foreach (var layer in _layers) layer.Initialize(rng.Split(layer.Weight.Name));
    }

    /// <summary>Reads the options back from checkpoint metadata (the inverse of <see cref="Metadata"/>).</summary>
    public static MlpOptions OptionsFromMetadata(IReadOnlyDictionary<string, string> metadata, int maxRows = 100)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        int Int(string key) => metadata.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"checkpoint metadata has no integer '{key}' for the mlp architecture.");
        if (!metadata.TryGetValue("hidden", out var hidden))
            throw new FormatException("checkpoint metadata has no 'hidden' widths for the mlp architecture (comma-separated, empty for none).");
        var widths = new List<int>();
        if (hidden.Length > 0)
            foreach (var part in hidden.Split(','))
                widths.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w)
                    ? w : throw new FormatException($"checkpoint metadata 'hidden' = '{hidden}' is not a comma-separated list of integers."));
        return new MlpOptions
        {
            InputCount = Int("input"),
            HiddenWidths = widths,
            ActionCount = Int("actions"),
            MaxRows = maxRows,
        };
    }

    static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    readonly SavedActivations _saved;
    readonly BackwardScratch _scratch;

    /// <summary>What the forward pass keeps for backward, sized once for MaxRows, packed [rows, width].</summary>
    sealed class SavedActivations
    {
        public SavedActivations(MlpOptions o)
        {
            var a = new Arena("mlp.activations");
            Input = a.Add("input", o.MaxRows, o.InputCount);
            Hidden = new TensorView[o.HiddenWidths.Count];
            for (var i = 0; i < Hidden.Length; i++) Hidden[i] = a.Add($"fc{i + 1}.relu", o.MaxRows, o.HiddenWidths[i]);
            LogProbs = a.Add("logprobs", o.MaxRows, o.ActionCount);
            ActionLogProbs = a.Add("action.logprobs", o.MaxRows);
            a.Allocate();
            Actions = new int[o.MaxRows];
        }

        /// <summary>Copy of the forward's input, [B, I]: fc1's backward needs it.</summary>
        public TensorView Input { get; }
        /// <summary>Post-ReLU output of each hidden layer, [B, H_i]. ReLU's mask is recovered from it (y &gt; 0 ⇔ x &gt; 0).</summary>
        public TensorView[] Hidden { get; }
        /// <summary>Full log-softmax, [B, K].</summary>
        public TensorView LogProbs { get; }
        /// <summary>Log-prob of each recorded action, [B].</summary>
        public TensorView ActionLogProbs { get; }
        public int[] Actions { get; }
        public int RowCount { get; set; }
        /// <summary>Whether the last forward's actions were recorded (ScoreActions or SampleActions).</summary>
        public bool Scored { get; set; }
    }

    /// <summary>Gradients and gathered activations for the rows being back-propagated, sized once.</summary>
    sealed class BackwardScratch
    {
        public BackwardScratch(MlpOptions o)
        {
            var widest = o.HiddenWidths.Count == 0 ? 1 : o.HiddenWidths.Max();
            var a = new Arena("mlp.backward");
            DLogits = a.Add("d.logits", o.MaxRows, o.ActionCount);
            DHiddenA = a.Add("d.hidden.a", o.MaxRows, widest);
            DHiddenB = a.Add("d.hidden.b", o.MaxRows, widest);
            GatherActivations = a.Add("gather.activations", o.MaxRows, Math.Max(o.InputCount, widest));
            GatherLogProbs = a.Add("gather.logprobs", o.MaxRows, o.ActionCount);
            a.Allocate();
            Actions = new int[o.MaxRows];
        }

        public TensorView DLogits { get; }
        public TensorView DHiddenA { get; }
        public TensorView DHiddenB { get; }
        /// <summary>The kept rows of one layer's input, compacted (used when a strict subset is kept).</summary>
        public TensorView GatherActivations { get; }
        public TensorView GatherLogProbs { get; }
        public int[] Actions { get; }
    }
}
