using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Delight.Policies;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// delight logprobs --checkpoint FILE --tokens "t0 t1 …": teacher-forced log p(t_t | t_&lt;t) as JSON, entry 0 = 0,
/// so another framework can check our numbers on the same checkpoint.
/// </summary>
static class LogProbsCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A transformer checkpoint (safetensors).", Required = true };
        var tokens = new Option<string>("--tokens") { Description = "Space-separated token ids, e.g. \"0 1 1 0\".", Required = true };
        var command = new Command("logprobs", "Print per-token log-probs of a token sequence under a checkpoint.") { checkpoint, tokens };
        command.SetAction(parse =>
        {
            var ids = ParseTokens(parse.GetValue(tokens)!);
            var path = parse.GetValue(checkpoint)!;
            if (PolicyCheckpoint.Load(path) is not TransformerPolicy policy)
                throw new OptionException("--checkpoint", $"'{path}' is not a transformer checkpoint; logprobs scores token sequences.");
            if (ids.Length > policy.SequenceLength)
                throw new OptionException("--tokens", $"{ids.Length} tokens exceed the checkpoint's sequence length {policy.SequenceLength}; pass at most {policy.SequenceLength}.");
            foreach (var id in ids)
                if (id >= policy.VocabularySize)
                    throw new OptionException("--tokens", $"token {id} is outside the checkpoint's vocabulary [0, {policy.VocabularySize}); use ids below {policy.VocabularySize}.");
            var logProbs = new float[ids.Length];
            if (ids.Length >= 2)
                policy.Forward(ids, 1, ids.Length, firstTarget: 1).CopyTo(logProbs.AsSpan(1));
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("logprobs");
                foreach (var lp in logProbs)
                    if (float.IsFinite(lp)) writer.WriteNumberValue(lp);
                    else writer.WriteNullValue(); // JSON has no infinity: a token of probability 0 is null
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return 0;
        });
        return command;
    }

    static int[] ParseTokens(string text)
    {
        var parts = text.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new OptionException("--tokens", "no tokens given; pass space-separated ids like --tokens \"0 1 1 0\".");
        var ids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
                throw new OptionException("--tokens", $"'{parts[i]}' (token {i}) is not a non-negative integer id; pass ids like --tokens \"0 1 1 0\".");
        return ids;
    }
}
