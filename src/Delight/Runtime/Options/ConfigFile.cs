using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Delight.Runtime;

/// <summary>
/// Run options from a YAML or JSON file (by extension: .yaml/.yml or .json): a flat mapping whose keys are the option
/// names of <c>delight train --help</c> without the dashes (<c>staleness: 10</c>, <c>"kondo-rate": 0.1</c>).
/// Unknown keys name the closest valid one; values of the wrong type name the key, the type and the value.
/// </summary>
public static class ConfigFile
{
    public static TrainOptions Load(string path, TrainOptions? start = null)
    {
        if (!File.Exists(path)) throw new OptionException("--config", $"config file '{path}' does not exist; give the path of a .yaml or .json file.");
        var text = File.ReadAllText(path);
        var pairs = System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => ReadJson(text, $"config file '{path}'"),
            ".yaml" or ".yml" => ReadYaml(text, $"config file '{path}'"),
            var other => throw new OptionException("--config", $"config file '{path}' has extension '{other}'; use .yaml, .yml or .json."),
        };
        return Apply(start ?? new TrainOptions(), pairs, $"config file '{path}'");
    }

    /// <summary>Options from JSON text (a learner's config message): the same reader as config.json files.</summary>
    public static TrainOptions FromJson(string json, string where) =>
        Apply(new TrainOptions(), ReadJson(json, where), where);

    /// <summary>Sets each (key, text) pair on the options, in order; later keys win.</summary>
    public static TrainOptions Apply(TrainOptions options, IEnumerable<(string Key, string? Text)> pairs, string where)
    {
        foreach (var (key, text) in pairs)
        {
            var entry = OptionTable.Get(key, where);
            options = entry.With(options, text is null ? NullFor(entry, where) : entry.Parse(text, where));
        }
        return options;
    }

    static object? NullFor(OptionEntry entry, string where) =>
        entry.IsNullable ? null : throw new OptionException("--" + entry.Name, $"'{entry.Name}' in {where} must be {entry.TypeName}, got null.");

    static List<(string, string?)> ReadJson(string text, string where)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new OptionException("--config", $"{where} is not valid JSON (line {e.LineNumber + 1}): {e.Message.Split('.')[0]}."); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new OptionException("--config", $"{where} must hold one JSON object of option: value pairs.");
            var pairs = new List<(string, string?)>();
            foreach (var p in document.RootElement.EnumerateObject())
            {
                string? value = p.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                    _ => throw new OptionException("--" + p.Name, $"'{p.Name}' in {where} must be a single value, not {p.Value.ValueKind.ToString().ToLowerInvariant()}."),
                };
                pairs.Add((p.Name, value));
            }
            return pairs;
        }
    }

    /// <summary>Most nesting a config may have (it needs 1: a mapping of values); deeper YAML is refused before it is loaded.</summary>
    const int MaxYamlDepth = 16;

    /// <summary>
    /// Walks the YAML events and stops at the first node nested deeper than <see cref="MaxYamlDepth"/>: building the
    /// document model of a deeply nested file ('[[[[…') takes time quadratic in the depth, a hang rather than an error.
    /// </summary>
    internal static void CheckYamlDepth(string text, string where, string option = "--config")
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxYamlDepth)
                        throw new OptionException(option, $"{where} nests lists or mappings more than {MaxYamlDepth} deep (line {parser.Current.Start.Line}); write one flat mapping.");
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    static List<(string, string?)> ReadYaml(string text, string where)
    {
        var stream = new YamlStream();
        try
        {
            CheckYamlDepth(text, where);
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e) { throw new OptionException("--config", $"{where} is not valid YAML (line {e.Start.Line}): {e.Message}"); }
        var pairs = new List<(string, string?)>();
        if (stream.Documents.Count == 0) return pairs;
        if (stream.Documents.Count > 1)
            throw new OptionException("--config", $"{where} holds {stream.Documents.Count} YAML documents (the second starts at line {stream.Documents[1].RootNode.Start.Line}); a config is one mapping, so merge them or remove the '---' separator.");
        if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
            throw new OptionException("--config", $"{where} must hold one mapping of option: value pairs.");
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
                throw new OptionException("--config", $"{where} (line {keyNode.Start.Line}) has a key that is {(keyNode is YamlScalarNode ? "empty" : "a list or mapping")}; keys are option names such as 'steps'.");
            if (valueNode is not YamlScalarNode scalar)
                throw new OptionException("--" + key, $"'{key}' in {where} (line {valueNode.Start.Line}) must be a single value, not a list or mapping.");
            var quoted = scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted;
            pairs.Add((key, !quoted && scalar.Value is null or "" or "~" or "null" ? null : scalar.Value));
        }
        return pairs;
    }
}
