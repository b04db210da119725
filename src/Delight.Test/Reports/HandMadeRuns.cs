using System.Globalization;
using System.Text.Json.Nodes;

namespace Delight.Test.Reports;

/// <summary>
/// Writes small run folders in the shape <see cref="Delight.Experiments.RunFolder"/> writes, with numbers chosen so
/// means and standard errors can be worked out by hand.
/// </summary>
static class HandMadeRuns
{
    /// <param name="errors">error per logged step, steps 1, 2, …</param>
    /// <param name="config">extra config keys (added after task, method and seed, in order)</param>
    public static string Write(string root, string name, string method, ulong seed, double[] errors, double finalError,
        (string Key, JsonNode? Value)[]? config = null, double backwardTokensPerStep = 80, int[]? steps = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        steps ??= [.. Enumerable.Range(1, errors.Length)];
        var lines = errors.Select((e, i) => new JsonObject
        {
            ["step"] = steps[i], ["error"] = e, ["wall_seconds"] = 0.5 * steps[i],
            ["forward_tokens"] = 100, ["backward_tokens"] = backwardTokensPerStep,
            ["forward_flops"] = 1e9, ["backward_flops"] = 2e7 * backwardTokensPerStep,
        }.ToJsonString());
        File.WriteAllLines(Path.Combine(folder, "metrics.jsonl"), lines);
        // The requested step count, the same for every seed (how often a run logs is not part of its config).
        var configObject = new JsonObject { ["task"] = "reversal", ["method"] = method, ["seed"] = seed, ["steps"] = 100 };
        foreach (var (key, value) in config ?? []) configObject[key] = value?.DeepClone(); // a node has one parent; runs share configs
        var summary = new JsonObject
        {
            ["task"] = "reversal", ["method"] = method, ["seed"] = seed, ["steps"] = steps[^1], ["wall_seconds"] = 0.5 * steps[^1],
            ["initial"] = new JsonObject { ["reward"] = 0.1, ["error"] = 0.9 },
            ["final"] = new JsonObject { ["reward"] = 1 - finalError, ["error"] = finalError },
            ["work"] = new JsonObject
            {
                ["forward_tokens"] = 100 * steps[^1], ["backward_tokens"] = backwardTokensPerStep * steps[^1],
                ["forward_flops"] = 1e9 * steps[^1], ["backward_flops"] = 2e7 * backwardTokensPerStep * steps[^1],
            },
            ["frictions"] = new JsonObject { ["bug_fraction"] = 0, ["mean_lag"] = 0 },
            ["config"] = configObject,
        };
        File.WriteAllText(Path.Combine(folder, "summary.json"), summary.ToJsonString());
        return folder;
    }

    /// <summary>
    /// Three DG seeds (errors hand-picked, see <see cref="ConfigurationsTest"/>), two PG seeds, and two Kondo seeds
    /// at ρ = 0.1 doing a tenth of the backward work.
    /// </summary>
    public static void WriteSweep(string root)
    {
        (string, JsonNode?)[] dg = [("eta", 1), ("lr", 0.0003)];
        Write(root, "dg/s0", "dg", 0, [0.5, 0.4], 0.3, dg);
        Write(root, "dg/s1", "dg", 1, [0.7, 0.4], 0.4, dg);
        Write(root, "dg/s2", "dg", 2, [0.9, 0.7, 0.6], 0.8, dg); // logged one step more than the others
        Write(root, "pg/s0", "pg", 0, [0.8, 0.7], 0.6, dg);
        Write(root, "pg/s1", "pg", 1, [0.9, 0.8], 0.7, dg);
        (string, JsonNode?)[] kondo = [("eta", 1), ("lr", 0.0003), ("kondo_rate", 0.1)];
        Write(root, "kondo/s0", "kondo", 0, [0.8, 0.6], 0.5, kondo, backwardTokensPerStep: 8);
        Write(root, "kondo/s1", "kondo", 1, [0.9, 0.7], 0.6, kondo, backwardTokensPerStep: 8);
    }

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
