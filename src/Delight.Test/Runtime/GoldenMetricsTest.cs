using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Delight.Cli;

namespace Delight.Test.RuntimeTests;

/// <summary>
/// Before/after check for refactors: a fixed-seed run of every method and every friction gives the metrics it gave
/// before, to the bit. The hashes were captured from the code before the redesign of issue 13 (frictions as
/// decorators, rollout checks, typed run specification); a change of behaviour changes a hash. When a change of
/// behaviour is intended, say so in the commit and recapture the hash of the runs it touches, never of the others.
/// </summary>
public sealed class GoldenMetricsTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-golden-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    const string Reversal = "--prompt-length 4 --prompts 4 --samples 4 --eval-rows 20 --eval-every 3 --steps 6 --seed 5";
    const string Bandit = "--task bandit --arms 10 --prompts 20 --eval-rows 50 --eval-every 3 --steps 6 --seed 5";

    public static TheoryData<string, string, string> Runs => new()
    {
        { "pg", $"{Reversal} --method pg", "E43C51BC5F7D69EC" },
        { "dg", $"{Reversal} --method dg", "1934575EC23335B6" },
        { "dg-stochastic", $"{Reversal} --method dg --dg-stochastic --delight-noise 0.1 --eta 0.5 --lambda 0.1", "B14AB64C82E867E2" },
        { "is-pg", $"{Reversal} --method is-pg --truncation 2", "78006CB8443BC6E7" },
        { "ppo", $"{Reversal} --method ppo", "78006CB8443BC6E7" },
        { "pmpo", $"{Reversal} --method pmpo", "CAA05355A1F7C99B" },
        { "vaco", $"{Reversal} --method vaco", "78006CB8443BC6E7" },
        { "kondo", $"{Reversal} --method kondo", "B8C53BD92E715192" },
        { "kondo-rate-row-speculative", $"{Reversal} --method kondo --kondo-rate 0.3 --kondo-granularity row --screen speculative", "31FC57B173B5F83E" },
        { "ce", $"{Reversal} --method ce --direction-every 2", "E0F28CC5B7C0BE1E" },
        { "staleness-uniform", $"{Reversal} --staleness 3", "C0E490AFBB3B33E0" },
        { "staleness-fixed", $"{Reversal} --staleness 2 --staleness-mode fixed", "6424AC5025A403B2" },
        { "bug", $"{Reversal} --bug-prob 0.2", "3E025D3CB06556CD" },
        { "bug-ppo", $"{Reversal} --method ppo --bug-prob 0.2", "240BE033448E0C9D" },
        { "discovery", $"{Reversal} --discovery-prob 0.2", "B8D3FA2B1D58BB7A" },
        { "random", $"{Reversal} --random-prob 0.2", "2201A56487E7C4E5" },
        { "reward-flip", $"{Reversal} --reward-flip-prob 0.2", "3ADEFF0E8EC1B8A8" },
        { "reward-noise", $"{Reversal} --reward-noise-std 0.3", "389837D76D715E07" },
        { "logit-noise", $"{Reversal} --logit-noise 0.5", "0230CE6E562DF430" },
        { "landmine-flip", $"{Reversal} --landmine --bug-prob 0.2 --reward-flip-prob 0.2", "27424920EB79E6D6" },
        { "all-four", $"{Reversal} --staleness 3 --bug-prob 0.1 --reward-flip-prob 0.1 --discovery-prob 0.05 --random-prob 0.05", "D238A6B1A84C01DB" },
        { "bandit-pg", $"{Bandit} --method pg", "F62678987D96740A" },
        { "contamination-uniform", $"{Bandit} --method is-pg --contamination 0.3", "BE6E99D1E0C04548" },
        { "contamination-arm", $"{Bandit} --method dg --contamination 0.3 --contamination-arm 7", "2A7D9C22AD586A81" },
        { "async-one-actor", $"{Reversal} --runtime async --actors 1 --max-lag 0 --bug-prob 0.1", "CA55417E43E4794B" },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void GoldenMetricsTest_FixedSeedRun_GivesThePreRedesignMetrics(string name, string arguments, string expected)
    {
        var folder = Path.Combine(_folder, name);
        var error = new StringWriter();
        Assert.True(Program.Run(["train", .. arguments.Split(' '), "--quiet", "--out", folder], new StringWriter(), error) == 0, error.ToString());
        Assert.Equal(expected, Hash(folder));
    }

    /// <summary>Every metrics line and the summary's numbers, wall-clock fields aside (they are not reproducible).</summary>
    static string Hash(string folder)
    {
        var text = new StringBuilder();
        foreach (var line in File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")))
        {
            var o = JsonNode.Parse(line)!.AsObject();
            o.Remove("wall_seconds");
            text.AppendLine(o.ToJsonString());
        }
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!.AsObject();
        foreach (var key in new[] { "steps", "parameters", "initial", "final", "work", "frictions", "lag" })
            text.AppendLine($"{key}={summary[key]?.ToJsonString()}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
