using System.CommandLine;
using Delight.Numerics;
using Delight.Policies;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight init --policy transformer|mlp|tabular [shape options] --seed S --out FILE</summary>
static class InitCommand
{
    public static Command Create(TextWriter output)
    {
        var t = new TransformerOptions();
        var m = new MlpOptions();
        var policy = new Option<string>("--policy") { Description = "transformer, mlp or tabular.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Initialisation seed." };
        var outFile = new Option<string>("--out") { Description = "Checkpoint file to write (.safetensors).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing file." };
        var vocab = new Option<int>("--vocab") { Description = "transformer: vocabulary V.", DefaultValueFactory = _ => t.VocabularySize }.Within(1, 1_000_000);
        var length = new Option<int>("--length") { Description = "transformer: sequence length L.", DefaultValueFactory = _ => t.SequenceLength }.Within(2, 10_000);
        var width = new Option<int>("--width") { Description = "transformer: width d.", DefaultValueFactory = _ => t.Width }.Within(1, 65_536);
        var heads = new Option<int>("--heads") { Description = "transformer: attention heads.", DefaultValueFactory = _ => t.HeadCount }.Within(1, 1024);
        var layers = new Option<int>("--layers") { Description = "transformer: blocks.", DefaultValueFactory = _ => t.LayerCount }.Within(1, 1024);
        var ff = new Option<int>("--ff") { Description = "transformer: feed-forward width.", DefaultValueFactory = _ => t.FeedForwardWidth }.Within(1, 262_144);
        var input = new Option<int>("--input") { Description = "mlp: input width.", DefaultValueFactory = _ => m.InputCount }.Within(1, 1_000_000);
        var hidden = new Option<string>("--hidden") { Description = "mlp: hidden widths, comma-separated.", DefaultValueFactory = _ => string.Join(',', m.HiddenWidths) };
        var actions = new Option<int>("--actions") { Description = "mlp and tabular: number of actions.", DefaultValueFactory = _ => 10 }.Within(1, 1_000_000);
        var contexts = new Option<int>("--contexts") { Description = "tabular: number of contexts.", DefaultValueFactory = _ => 1 }.Within(1, 1_000_000);

        var command = new Command("init", "Write a freshly initialised policy checkpoint (safetensors).")
        {
            policy, seed, outFile, force, vocab, length, width, heads, layers, ff, input, hidden, actions, contexts,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(outFile)!;
            var kind = parse.GetValue(policy)!;
            IPolicy created;
            try
            {
                created = kind switch
            {
                "transformer" => new TransformerPolicy(new TransformerOptions
                {
                    VocabularySize = parse.GetValue(vocab), SequenceLength = parse.GetValue(length), Width = parse.GetValue(width),
                    HeadCount = parse.GetValue(heads), LayerCount = parse.GetValue(layers), FeedForwardWidth = parse.GetValue(ff), MaxRows = 1,
                }),
                "mlp" => new MlpPolicy(new MlpOptions
                {
                    InputCount = parse.GetValue(input), HiddenWidths = ParseWidths(parse.GetValue(hidden)!), ActionCount = parse.GetValue(actions), MaxRows = 1,
                }),
                "tabular" => new TabularSoftmaxPolicy(new TabularOptions
                {
                    ContextCount = parse.GetValue(contexts), ActionCount = parse.GetValue(actions), MaxRows = 1,
                }),
                _ => throw new OptionException("--policy", $"unknown policy '{kind}'; choose one of: {string.Join(", ", PolicyCheckpoint.Kinds)}."),
            };
            }
            catch (ArgumentException e) { throw new OptionException("--policy", $"the {kind} shape is invalid: {e.Message}"); }
            if (File.Exists(path) && !parse.GetValue(force))
                throw new OptionException("--out", $"'{path}' already exists; choose another --out or pass --force to replace it.");
            var rng = new Rng(parse.GetValue(seed));
            switch (created)
            {
                case TransformerPolicy p: p.Initialize(rng); break;
                case MlpPolicy p: p.Initialize(rng); break;
                case TabularSoftmaxPolicy p: p.Initialize(rng); break;
            }
            PolicyCheckpoint.Save(created, path);
            output.WriteLine($"wrote {path}: {created.Kind}, {created.Parameters.Count} parameters");
            return 0;
        });
        return command;
    }

    static int[] ParseWidths(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
                throw new OptionException("--hidden", $"hidden width '{parts[i]}' is not a positive integer; write widths like --hidden 100,100.");
        return widths;
    }
}
