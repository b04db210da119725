using System.Text.Json;

namespace Delight.Runtime;

/// <summary>
/// Run options as a flat mapping whose keys are the option names of <c>delight train --help</c> without the dashes
/// (<c>staleness: 10</c>, <c>"kondo-rate": 0.1</c>): from a JSON file (a run's config.json), JSON text (a learner's
/// config message) or (key, text) pairs. YAML files are read by the Delight.Config package (<c>OptionsFile</c>), so the
/// core needs no YAML parser. Unknown keys name the closest valid one; values of the wrong type name the key, the type
/// and the value.
/// </summary>
public static class ConfigFile
{
    /// <summary>Options from a JSON file (config.json), applied over <paramref name="start"/>.</summary>
    public static TrainOptions Load(string path, TrainOptions? start = null)
    {
        if (!File.Exists(path)) throw new OptionException("--config", $"config file '{path}' does not exist; give the path of a .yaml or .json file.");
        var where = $"config file '{path}'";
        return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => Apply(start ?? new TrainOptions(), ReadJson(File.ReadAllText(path), where), where),
            ".yaml" or ".yml" => throw new OptionException("--config", $"{where} is YAML, which the Delight.Config package reads: call Delight.Runtime.OptionsFile.Load (as the delight tool does), or write the options as JSON."),
            var other => throw new OptionException("--config", $"config file '{path}' has extension '{other}'; use .yaml, .yml or .json."),
        };
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

    /// <summary>The (key, text) pairs of one flat JSON object; nested values are an error naming the key.</summary>
    public static List<(string Key, string? Text)> ReadJson(string text, string where)
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
}
