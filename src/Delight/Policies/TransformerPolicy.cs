using System.Globalization;
using Delight.Numerics;

namespace Delight.Policies;

/// <summary>
/// Decoder-only, pre-LayerNorm transformer policy over token sequences (see <see cref="TransformerOptions"/>).
/// Legend: B sequences (rows), L sequence length, T = positions run through the blocks, S = scored positions per
/// row, C = width d, F = feed-forward width, V = vocabulary, H = heads.
///
/// Files by use: this one (parameters and memory), .Forward (teacher-forced log-probs, storing activations),
/// .Backward (row-subset backward over stored activations), .BackwardSplit (the same backward in two phases, over
/// rows and then as parameter tasks, for several threads), .Parallel (row splits), .Decode (KV-cache sampling).
/// </summary>
public sealed partial class TransformerPolicy : ISequencePolicy
{
    readonly Embedding _tokenEmbedding;
    readonly Embedding _positionEmbedding;
    readonly Block[] _blocks;
    readonly Linear _head;

    public TransformerPolicy(TransformerOptions options)
    {
        options.Validate();
        Options = options;
        var p = new ParameterSet();
        _tokenEmbedding = new Embedding(p, "tok_emb", options.VocabularySize, options.Width);
        _positionEmbedding = new Embedding(p, "pos_emb", options.SequenceLength, options.Width);
        _blocks = new Block[options.LayerCount];
        for (var i = 0; i < _blocks.Length; i++)
            _blocks[i] = new Block(p, $"blocks.{i}", options);
        _head = new Linear(p, "head", options.Width, options.VocabularySize, bias: false);
        p.Allocate();
        Parameters = p;
        Metadata = new Dictionary<string, string>
        {
            ["policy"] = Kind,
            ["vocab"] = Str(options.VocabularySize),
            ["length"] = Str(options.SequenceLength),
            ["width"] = Str(options.Width),
            ["heads"] = Str(options.HeadCount),
            ["layers"] = Str(options.LayerCount),
            ["ff"] = Str(options.FeedForwardWidth),
            ["ln_eps"] = options.LayerNormEpsilon.ToString("R", CultureInfo.InvariantCulture),
        };
        _saved = new SavedActivations(options);
        _scratch = new BackwardScratch(options);
        _decode = new DecodeState(options);
        _forwardJob = new RowJob(ForwardRows);
        _decodeJob = new RowJob(DecodeRows);
        _chainJob = new RowJob(InputChainRows);
        _backwardRows = new int[options.MaxRows];
        _parameterTasks = new ParameterTasks(this);
    }

    public string Kind => "transformer";
    public TransformerOptions Options { get; }
    public ParameterSet Parameters { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public int VocabularySize => Options.VocabularySize;
    public int SequenceLength => Options.SequenceLength;
    public int MaxRows => Options.MaxRows;
    public int MaxLength => Options.SequenceLength;
    public int ActionCount => Options.VocabularySize;

    /// <summary>Fresh parameters from <paramref name="rng"/>: each tensor from its own stream split by name.</summary>
    public void Initialize(Rng rng)
    {
        _tokenEmbedding.Initialize(rng.Split(_tokenEmbedding.Table.Name));
        _positionEmbedding.Initialize(rng.Split(_positionEmbedding.Table.Name));
        foreach (var block in _blocks) block.Initialize(rng);
        _head.Initialize(rng.Split(_head.Weight.Name));
    }

    /// <summary>Reads the options back from checkpoint metadata (the inverse of <see cref="Metadata"/>).</summary>
    public static TransformerOptions OptionsFromMetadata(IReadOnlyDictionary<string, string> metadata, int maxRows = 100)
    {
        int Int(string key) => metadata.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"checkpoint metadata has no integer '{key}' for the transformer architecture.");
        return new TransformerOptions
        {
            VocabularySize = Int("vocab"),
            SequenceLength = Int("length"),
            Width = Int("width"),
            HeadCount = Int("heads"),
            LayerCount = Int("layers"),
            FeedForwardWidth = Int("ff"),
            LayerNormEpsilon = metadata.TryGetValue("ln_eps", out var eps) && float.TryParse(eps, NumberStyles.Float, CultureInfo.InvariantCulture, out var e)
                ? e : throw new FormatException("checkpoint metadata has no number 'ln_eps' for the transformer architecture."),
            MaxRows = maxRows,
        };
    }

    static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One pre-LayerNorm block: x += Attn(LN1(x)); x += FC2(ReLU(FC1(LN2(x)))).</summary>
    sealed class Block
    {
        public Block(ParameterSet p, string name, TransformerOptions o)
        {
            Name = name;
            Ln1 = new LayerNorm(p, name + ".ln1", o.Width, o.LayerNormEpsilon);
            Attention = new CausalSelfAttention(p, name + ".attn", o.Width, o.HeadCount);
            Ln2 = new LayerNorm(p, name + ".ln2", o.Width, o.LayerNormEpsilon);
            Fc1 = new Linear(p, name + ".mlp.fc1", o.Width, o.FeedForwardWidth, bias: false);
            Fc2 = new Linear(p, name + ".mlp.fc2", o.FeedForwardWidth, o.Width, bias: false);
        }

        public string Name { get; }
        public LayerNorm Ln1 { get; }
        public CausalSelfAttention Attention { get; }
        public LayerNorm Ln2 { get; }
        public Linear Fc1 { get; }
        public Linear Fc2 { get; }

        public void Initialize(Rng rng)
        {
            Ln1.Initialize();
            Ln2.Initialize();
            Attention.Qkv.Initialize(rng.Split(Attention.Qkv.Weight.Name));
            Attention.Out.Initialize(rng.Split(Attention.Out.Weight.Name));
            Fc1.Initialize(rng.Split(Fc1.Weight.Name));
            Fc2.Initialize(rng.Split(Fc2.Weight.Name));
        }
    }
}
