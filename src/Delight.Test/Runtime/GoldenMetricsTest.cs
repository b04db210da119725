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
        { "pg", $"{Reversal} --method pg", "5E4647D94795A587" },
        { "dg", $"{Reversal} --method dg", "DDA793AEE913889A" },
        { "dg-stochastic", $"{Reversal} --method dg --dg-stochastic --delight-noise 0.1 --eta 0.5 --lambda 0.1", "9F7C79589981BC92" },
        { "is-pg", $"{Reversal} --method is-pg --truncation 2", "CB6A35346E6954B9" },
        { "ppo", $"{Reversal} --method ppo", "CB6A35346E6954B9" },
        { "pmpo", $"{Reversal} --method pmpo", "7434333D88FEF459" },
        { "vaco", $"{Reversal} --method vaco", "CB6A35346E6954B9" },
        { "kondo", $"{Reversal} --method kondo", "48DFA3CC6836168C" },
        { "kondo-rate-row-speculative", $"{Reversal} --method kondo --kondo-rate 0.3 --kondo-granularity row --screen speculative", "BFFA13EAE1D87054" },
        { "ce", $"{Reversal} --method ce --direction-every 2", "9035D1A41E74F1ED" },
        { "staleness-uniform", $"{Reversal} --staleness 3", "4925EFC34D3E5687" },
        { "staleness-fixed", $"{Reversal} --staleness 2 --staleness-mode fixed", "8F17FD14CE1EFC87" },
        { "bug", $"{Reversal} --bug-prob 0.2", "2CA67DD2BBAE79AC" },
        { "bug-ppo", $"{Reversal} --method ppo --bug-prob 0.2", "EB7DF8892E58A978" },
        { "discovery", $"{Reversal} --discovery-prob 0.2", "4C110074BBF9E870" },
        { "random", $"{Reversal} --random-prob 0.2", "3CFE6DE8C6A597F3" },
        // Recaptured for issue 14 (with reward-noise, landmine-flip and all-four): the batch's `error` metric is now the
        // task's own score of the sampled answers, not 1 − the corrupted rewards; every other field is unchanged.
        { "reward-flip", $"{Reversal} --reward-flip-prob 0.2", "3D902630BFFE1822" },
        { "reward-noise", $"{Reversal} --reward-noise-std 0.3", "87295FD8931EBA4D" },
        { "logit-noise", $"{Reversal} --logit-noise 0.5", "D52F821E73CB5D0F" },
        // Recaptured for issue 14: the landmine penalty is now added outside the coin flip (egg's wrapper order) and
        // the error is the task's own (no penalty), so this run's rewards and errors changed on purpose.
        { "landmine-flip", $"{Reversal} --landmine --bug-prob 0.2 --reward-flip-prob 0.2", "B261577B080BBA58" },
        // dg never reads behaviour log-probs, so its bug run is the same under both models; ppo's is not.
        { "bug-actual-ppo", $"{Reversal} --method ppo --bug-prob 0.2 --bug-logprobs actual", "611BC3D0D071FABE" },
        { "all-four", $"{Reversal} --staleness 3 --bug-prob 0.1 --reward-flip-prob 0.1 --discovery-prob 0.05 --random-prob 0.05", "4A0A5FF2F31592FE" },
        { "bandit-pg", $"{Bandit} --method pg", "F62678987D96740A" },
        { "contamination-uniform", $"{Bandit} --method is-pg --contamination 0.3", "BE6E99D1E0C04548" },
        { "contamination-arm", $"{Bandit} --method dg --contamination 0.3 --contamination-arm 7", "2A7D9C22AD586A81" },
        { "async-one-actor", $"{Reversal} --runtime async --actors 1 --max-lag 0 --bug-prob 0.1", "AF2ACD5EA9612AFD" },
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
