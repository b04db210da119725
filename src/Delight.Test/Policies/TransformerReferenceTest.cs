using System.Text.Json;
using Delight.Checkpoints;
using Delight.Cli;

namespace Delight.Test.Policies;

/// <summary>
/// An independent, naive double-precision transformer written from docs/checkpoints.md alone (PyTorch layouts, qkv rows
/// query | key | value, head h owning rows h·d/H …), run on a checkpoint written by `delight init` and compared with
/// `delight logprobs`. It pins down the checkpoint's meaning, not just its bytes.
/// </summary>
public sealed class TransformerReferenceTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-ref-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("0 1 1 0 1 0 0 1", 2, 16, 4, 2, 24)]
    [InlineData("3 0 4 4 1 2", 5, 12, 3, 3, 20)]
    public void TransformerReferenceTest_LogProbs_MatchNaiveReference(string tokens, int vocab, int width, int heads, int layers, int ff)
    {
        var path = Path.Combine(_folder, "t.safetensors");
        var init = Program.Run(["init", "--policy", "transformer", "--vocab", $"{vocab}", "--length", "10", "--width", $"{width}",
            "--heads", $"{heads}", "--layers", $"{layers}", "--ff", $"{ff}", "--seed", "11", "--out", path], TextWriter.Null, TextWriter.Null);
        Assert.Equal(0, init);
        var output = new StringWriter();
        Assert.Equal(0, Program.Run(["logprobs", "--checkpoint", path, "--tokens", tokens], output, TextWriter.Null));
        using var json = JsonDocument.Parse(output.ToString());
        var ours = json.RootElement.GetProperty("logprobs").EnumerateArray().Select(e => e.GetDouble()).ToArray();

        var ids = tokens.Split(' ').Select(int.Parse).ToArray();
        var reference = Reference(SafeTensors.ReadTensors(path), ids, width, heads, layers);
        Assert.Equal(ids.Length, ours.Length);
        Assert.Equal(0.0, ours[0]);
        for (var t = 1; t < ids.Length; t++)
            Assert.True(Math.Abs(reference[t] - ours[t]) < 2e-5, $"position {t}: reference {reference[t]}, delight {ours[t]}");
    }

    static double[] Reference(IReadOnlyDictionary<string, SafeTensor> w, int[] x, int d, int heads, int layers)
    {
        int n = x.Length, hd = d / heads;
        double[] Row(string name, int row, int width) => w[name].Values.Skip(row * width).Take(width).Select(v => (double)v).ToArray();
        double[] MatVec(string name, double[] v)
        {
            var m = w[name];
            int rows = m.Shape[0], cols = m.Shape[1];
            var y = new double[rows];
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < cols; c++) y[r] += m.Values[r * cols + c] * v[c];
            return y;
        }
        double[] Norm(string prefix, double[] v)
        {
            var mean = v.Average();
            var variance = v.Select(a => (a - mean) * (a - mean)).Average();
            var g = w[prefix + ".weight"].Values;
            var b = w[prefix + ".bias"].Values;
            return v.Select((a, i) => (a - mean) / Math.Sqrt(variance + 1e-5) * g[i] + b[i]).ToArray();
        }

        var h = new double[n][];
        for (var t = 0; t < n; t++)
            h[t] = Row("tok_emb.weight", x[t], d).Zip(Row("pos_emb.weight", t, d), (a, b) => a + b).ToArray();
        for (var i = 0; i < layers; i++)
        {
            var p = $"blocks.{i}";
            var qkv = h.Select(v => MatVec(p + ".attn.qkv.weight", Norm(p + ".ln1", v))).ToArray();
            var mixed = new double[n][];
            for (var t = 0; t < n; t++)
            {
                mixed[t] = new double[d];
                for (var head = 0; head < heads; head++)
                {
                    var scores = new double[t + 1];
                    for (var u = 0; u <= t; u++)
                        for (var j = 0; j < hd; j++) scores[u] += qkv[t][head * hd + j] * qkv[u][d + head * hd + j] / Math.Sqrt(hd);
                    var max = scores.Max();
                    var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var z = e.Sum();
                    for (var u = 0; u <= t; u++)
                        for (var j = 0; j < hd; j++) mixed[t][head * hd + j] += e[u] / z * qkv[u][2 * d + head * hd + j];
                }
            }
            for (var t = 0; t < n; t++)
            {
                var attended = MatVec(p + ".attn.out.weight", mixed[t]);
                for (var j = 0; j < d; j++) h[t][j] += attended[j];
                var hidden = MatVec(p + ".mlp.fc1.weight", Norm(p + ".ln2", h[t])).Select(a => Math.Max(a, 0)).ToArray();
                var down = MatVec(p + ".mlp.fc2.weight", hidden);
                for (var j = 0; j < d; j++) h[t][j] += down[j];
            }
        }
        var logProbs = new double[n];
        for (var t = 1; t < n; t++)
        {
            var logits = MatVec("head.weight", h[t - 1]);
            var max = logits.Max();
            var logZ = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
            logProbs[t] = logits[x[t]] - logZ;
        }
        return logProbs;
    }
}
