using System.Text.Json;
using Delight.Runtime;
using YamlDotNet.RepresentationModel;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// A sweep from a YAML or JSON file (by extension), three keys, each optional but not all absent:
/// <code>
/// base:  { task: reversal, steps: 200 }   # option: value, as in a config file
/// grid:  { method: [pg, dg], staleness: [0, 4] }
/// seeds: 5                                 # seeds 0..4; or a list [3, 7]
/// </code>
/// The sweep.json a sweep writes has this shape, so it can be run again as is.
/// </summary>
public static class SweepFile
{
    /// <summary>What a file says before options are resolved: (key, text) pairs, as <see cref="ConfigFile.Apply"/> takes.</summary>
    sealed class Content
    {
        public List<(string Key, string? Text)> Base { get; } = [];
        public List<(string Name, List<string?> Values)>? Grid { get; set; }
        public long? SeedCount { get; set; }
        public List<string?>? SeedList { get; set; }
    }

    public static SweepSpec Load(string path)
    {
        if (!File.Exists(path)) throw new OptionException("--file", $"sweep file '{path}' does not exist; give the path of a .yaml or .json file.");
        var text = File.ReadAllText(path);
        var content = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => ReadJson(text, path),
            ".yaml" or ".yml" => ReadYaml(text, path),
            var other => throw new OptionException("--file", $"sweep file '{path}' has extension '{other}'; use .yaml, .yml or .json."),
        };
        var where = $"sweep file '{path}'";
        if (content.Grid is { Count: 0 })
            throw new OptionException("--file", $"the grid in {where} is empty; list at least one option with its values, e.g. grid: {{method: [pg, dg]}}.");
        if (content.Grid is null && content.SeedCount is null && content.SeedList is null)
            throw new OptionException("--file", $"{where} has neither 'grid' nor 'seeds', so there is nothing to sweep; e.g. grid: {{method: [pg, dg]}} and seeds: 3.");
        var baseOptions = ConfigFile.Apply(new TrainOptions(), content.Base, $"'base' of {where}");
        var axes = (content.Grid ?? []).Select(a => SweepAxis.Parse(a.Name, a.Values, $"'grid' of {where}")).ToArray();
        var seeds = content.SeedList is { } list ? SweepSeeds.ParseList(list, $"'seeds' of {where}")
            : content.SeedCount is { } count ? SweepSpec.SeedRange(count, $"'seeds' of {where}")
            : null;
        return new SweepSpec(baseOptions, axes, seeds);
    }

    static Content ReadJson(string text, string path)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new OptionException("--file", $"sweep file '{path}' is not valid JSON (line {e.LineNumber + 1}): {e.Message.Split('.')[0]}."); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Shape(path);
            var content = new Content();
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "base":
                        foreach (var option in Members(p.Value, path, "base")) content.Base.Add((option.Name, Scalar(option.Value, path, option.Name)));
                        break;
                    case "grid":
                        content.Grid = [];
                        if (p.Value.ValueKind == JsonValueKind.Null) break;
                        foreach (var axis in Members(p.Value, path, "grid"))
                        {
                            if (axis.Value.ValueKind != JsonValueKind.Array) throw NotAList(path, axis.Name);
                            content.Grid.Add((axis.Name, [.. axis.Value.EnumerateArray().Select(v => Scalar(v, path, axis.Name))]));
                        }
                        break;
                    case "seeds" when p.Value.ValueKind == JsonValueKind.Array:
                        content.SeedList = [.. p.Value.EnumerateArray().Select(v => Scalar(v, path, "seeds"))];
                        break;
                    case "seeds":
                        content.SeedCount = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var n) ? n : throw SeedsShape(path);
                        break;
                    default: throw UnknownKey(path, p.Name);
                }
            }
            return content;
        }
    }

    static JsonElement.ObjectEnumerator Members(JsonElement value, string path, string key) => value.ValueKind == JsonValueKind.Object
        ? value.EnumerateObject()
        : throw new OptionException("--file", $"'{key}' in sweep file '{path}' must be a mapping of option: {(key == "grid" ? "[values]" : "value")}.");

    static string? Scalar(JsonElement value, string path, string key) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => throw new OptionException("--" + key, $"'{key}' in sweep file '{path}' must hold single values, not {value.ValueKind.ToString().ToLowerInvariant()}."),
    };

    static Content ReadYaml(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            OptionsFile.CheckYamlDepth(text, $"sweep file '{path}'", "--file");
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e) { throw new OptionException("--file", $"sweep file '{path}' is not valid YAML (line {e.Start.Line}): {e.Message}"); }
        if (stream.Documents.Count > 1)
            throw new OptionException("--file", $"sweep file '{path}' holds {stream.Documents.Count} YAML documents (the second starts at line {stream.Documents[1].RootNode.Start.Line}); a sweep file is one mapping, so merge them or remove the '---' separator.");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) throw Shape(path);
        var content = new Content();
        foreach (var (keyNode, value) in root.Children)
        {
            switch (Text(keyNode))
            {
                case "base":
                    foreach (var (option, v) in Mapping(value, path, "base")) content.Base.Add((Text(option) ?? "", Scalar(v, path, Text(option) ?? "")));
                    break;
                case "grid":
                    content.Grid = [];
                    if (value is YamlScalarNode s && IsNull(s)) break;
                    foreach (var (axis, values) in Mapping(value, path, "grid"))
                    {
                        var name = Text(axis) ?? "";
                        if (values is not YamlSequenceNode sequence) throw NotAList(path, name);
                        content.Grid.Add((name, [.. sequence.Children.Select(v => Scalar(v, path, name))]));
                    }
                    break;
                case "seeds" when value is YamlSequenceNode sequence:
                    content.SeedList = [.. sequence.Children.Select(v => Scalar(v, path, "seeds"))];
                    break;
                case "seeds":
                    content.SeedCount = value is YamlScalarNode count && long.TryParse(count.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : throw SeedsShape(path);
                    break;
                case var other: throw UnknownKey(path, other ?? "");
            }
        }
        return content;
    }

    static IEnumerable<KeyValuePair<YamlNode, YamlNode>> Mapping(YamlNode value, string path, string key) => value is YamlMappingNode mapping
        ? mapping.Children
        : throw new OptionException("--file", $"'{key}' in sweep file '{path}' (line {value.Start.Line}) must be a mapping of option: {(key == "grid" ? "[values]" : "value")}.");

    static string? Text(YamlNode node) => (node as YamlScalarNode)?.Value;

    static bool IsNull(YamlScalarNode s) =>
        s.Style is not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) && s.Value is null or "" or "~" or "null";

    /// <summary>Unquoted empty, ~ and null are null (as in config files); quoted text is kept as written.</summary>
    static string? Scalar(YamlNode node, string path, string key) => node is YamlScalarNode s
        ? IsNull(s) ? null : s.Value
        : throw new OptionException("--" + key, $"'{key}' in sweep file '{path}' (line {node.Start.Line}) must hold single values, not a list or mapping.");

    static OptionException Shape(string path) =>
        new("--file", $"sweep file '{path}' must hold one mapping with 'base', 'grid' and/or 'seeds'.");

    static OptionException UnknownKey(string path, string key) =>
        new("--file", $"unknown key '{key}' in sweep file '{path}'; a sweep file has 'base' (option: value), 'grid' (option: [values]) and 'seeds' (N or [s1, s2]).");

    static OptionException NotAList(string path, string axis) =>
        new("--grid", $"grid axis '{axis}' in sweep file '{path}' must be a list of values, e.g. {axis}: [a, b].");

    static OptionException SeedsShape(string path) =>
        new("--seeds", $"'seeds' in sweep file '{path}' must be a count N (seeds 0..N-1) or a list of seeds [s1, s2].");
}
