using YamlDotNet.RepresentationModel;

namespace Delight.Runtime;

/// <summary>
/// Run options from a YAML or JSON file (by extension: .yaml/.yml or .json), as <c>delight train --config</c> reads
/// them: a flat mapping whose keys are the option names without the dashes (<c>staleness: 10</c>). JSON goes through
/// the core's <see cref="ConfigFile"/>; this package adds YAML, so the core library needs no YAML parser.
/// </summary>
public static class OptionsFile
{
    public static TrainOptions Load(string path, TrainOptions? start = null)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".yaml" or ".yml") || !File.Exists(path)) return ConfigFile.Load(path, start);
        var where = $"config file '{path}'";
        return ConfigFile.Apply(start ?? new TrainOptions(), ReadYaml(File.ReadAllText(path), where), where);
    }

    /// <summary>The (key, text) pairs of one flat YAML mapping; unquoted empty, ~ and null are null.</summary>
    public static List<(string Key, string? Text)> ReadYaml(string text, string where)
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
}
