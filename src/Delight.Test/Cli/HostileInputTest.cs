using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Delight.Checkpoints;
using Delight.Environments;
using Delight.Experiments;
using Delight.Policies;
using Delight.Cli;
using Delight.Numerics;
using Delight.Runtime;

namespace Delight.Test.Cli;

/// <summary>
/// Issue 15: hostile and careless input, fuzzed with a fixed seed, through the CLI as a user would run it — mutated
/// safetensors headers, metadata and data; mutated training-state files; random and extreme values of every numeric
/// flag (read from the option table and the command tree, so a new flag is covered without touching this file);
/// hostile YAML and JSON; a gzip bomb. Every case must end quickly (a hang fails instead of blocking), within a memory
/// bound, with exit code 2 and one line that names what was wrong — never a stack trace.
/// </summary>
public sealed class HostileInputTest : IClassFixture<HostileInputTest.TrainedRun>, IDisposable
{
    const int Seed = 15;
    /// <summary>Bytes one case may allocate on its thread: the point is "not gigabytes", not a tight budget.</summary>
    const long MemoryBound = 512L << 20;
    static readonly TimeSpan s_caseTimeout = TimeSpan.FromSeconds(60); // a hang guard on a loaded 2-core machine, not a speed test

    readonly string _folder = Directory.CreateTempSubdirectory("delight-hostile-").FullName;
    readonly TrainedRun _run;

    public HostileInputTest(TrainedRun run) => _run = run;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A tiny finished run with a checkpoint, trained once for the whole class.</summary>
    public sealed class TrainedRun : IDisposable
    {
        public TrainedRun()
        {
            Folder = Path.Combine(Directory.CreateTempSubdirectory("delight-hostile-run-").FullName, "run");
            var result = Cli("train", "--steps", "2", "--prompts", "2", "--samples", "2", "--eval-rows", "4", "--checkpoint-every", "1", "--quiet", "--out", Folder);
            if (result.Code != 0) throw new InvalidOperationException($"the fixture run failed: {result.Error}");
        }

        public string Folder { get; }
        public string Policy => Path.Combine(Folder, Runtime.Checkpoint.PolicyFile);
        public string State => Path.Combine(Folder, Runtime.Checkpoint.StateFile);

        public void Dispose() => Directory.Delete(Path.GetDirectoryName(Folder)!, recursive: true);
    }

    public readonly record struct Result(int Code, string Output, string Error);

    /// <summary>Runs the CLI in-process on its own thread: a hang fails the test rather than blocking it, and the thread's allocations are bounded.</summary>
    static Result Cli(params string[] args)
    {
        var task = Task.Factory.StartNew(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var output = new StringWriter();
            var error = new StringWriter();
            var code = Program.Run(args, output, error);
            return (new Result(code, output.ToString(), error.ToString()), GC.GetAllocatedBytesForCurrentThread() - before);
        }, TaskCreationOptions.LongRunning);
        Assert.True(task.Wait(s_caseTimeout), $"'delight {string.Join(' ', args)}' did not finish within {s_caseTimeout.TotalSeconds} s");
        var (result, allocated) = task.Result;
        Assert.True(allocated < MemoryBound, $"'delight {string.Join(' ', args)}' allocated {allocated >> 20} MB, above the {MemoryBound >> 20} MB bound");
        return result;
    }

    /// <summary>Exit 2, one line "delight: error: …" containing every fragment, no stack trace.</summary>
    static void AssertClearError(Result result, string context, params string[] fragments)
    {
        Assert.True(result.Code == 2, $"{context}: exit code {result.Code}, expected 2; stderr: {result.Error}");
        var line = result.Error.TrimEnd('\r', '\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("delight: error: ", line);
        Assert.DoesNotContain("   at ", line);
        foreach (var fragment in fragments)
            Assert.True(line.Contains(fragment, StringComparison.Ordinal), $"{context}: the error does not name '{fragment}': {line}");
    }

    // ---- flags ----

    /// <summary>Values no bounded option accepts: beyond its range, non-finite, not a number.</summary>
    static IEnumerable<string> Outside(double min, double max, bool integer, Random random)
    {
        string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        yield return F(max + (integer ? 1 : Math.Max(1, Math.Abs(max))));
        yield return F(min - (integer ? 1 : Math.Max(1, Math.Abs(min))));
        yield return "1e300";
        yield return "-1e300";
        yield return "nan";
        yield return "-inf";
        yield return "abc";
        yield return F(max * (2 + random.Next(1000)) + 1);
        if (integer) yield return "9223372036854775808"; // one past long.MaxValue
    }

    [Fact]
    public void HostileInputTest_EveryRunOption_RefusesValuesOutsideItsRange()
    {
        var random = new Random(Seed);
        var cases = 0;
        foreach (var entry in OptionTable.Entries.Where(e => e.IsNumeric))
        {
            if (entry.ValueType == typeof(ulong)) continue; // seeds: every 64-bit value is a seed
            Assert.True(entry.IsBounded, $"--{entry.Name} is numeric but declares no Min/Max on its [Option]");
            foreach (var value in Outside(entry.Min, entry.Max, entry.ValueType != typeof(float), random))
            {
                var result = Cli("train", "--" + entry.Name, value, "--out", Path.Combine(_folder, "never"));
                AssertClearError(result, $"--{entry.Name} {value}", entry.Name);
                cases++;
            }
        }
        Assert.False(Directory.Exists(Path.Combine(_folder, "never")), "a refused run wrote its folder");
        Assert.True(cases > 300, $"only {cases} cases");
    }

    /// <summary>
    /// In-range values, random and extreme (each option at its minimum and maximum, alone and all at once): validation
    /// either accepts them or refuses with a clear message — never overflows, never allocates the run. Validation only;
    /// accepted options are not trained.
    /// </summary>
    [Fact]
    public void HostileInputTest_EveryRunOption_InRangeExtremesValidateOrRefuseClearly()
    {
        var random = new Random(Seed);
        var entries = OptionTable.Entries.Where(e => e.IsNumeric && e.IsBounded).ToList();
        object Typed(OptionEntry e, double x) => e.ValueType == typeof(float) ? (object)(float)x : e.ValueType == typeof(long) ? (object)(long)x : (int)Math.Round(x);
        void Check(TrainOptions options, string context)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try { options.Validate(); }
            catch (OptionException e) { Assert.False(string.IsNullOrWhiteSpace(e.Message), context); Assert.DoesNotContain('\n', e.Message); }
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < MemoryBound, $"{context}: validation allocated too much");
        }
        foreach (var e in entries)
            foreach (var x in new[] { e.Min, e.Max, e.Min + random.NextDouble() * (e.Max - e.Min) })
                Check(e.With(new TrainOptions(), Typed(e, x)), $"--{e.Name} {x}");
        for (var trial = 0; trial < 40; trial++)
        {
            var options = new TrainOptions();
            foreach (var e in entries.Where(_ => random.Next(3) == 0))
                options = e.With(options, Typed(e, random.Next(2) == 0 ? e.Max : e.Min + random.NextDouble() * (e.Max - e.Min)));
            Check(options, $"trial {trial}");
        }
        // The products the issue found: each factor in range, the product not.
        var big = new TrainOptions { Batch = new() { Prompts = 10_000, Samples = 10_000 } };
        Assert.Contains("rows per batch", Assert.Throws<OptionException>(big.Validate).Message);
    }

    /// <summary>Every numeric flag of every command that is not a run option declares a range with Bounds.Within, and refuses values outside it.</summary>
    [Fact]
    public void HostileInputTest_EveryOtherNumericFlag_IsBoundedAndRefusesValuesOutside()
    {
        var random = new Random(Seed);
        var numeric = new[] { typeof(int), typeof(long), typeof(double), typeof(float) };
        // Required options and arguments, so parsing reaches the flag under test.
        var required = new Dictionary<string, string[]>
        {
            ["actor"] = ["--broker", "amqp://localhost:1", "--run", "fuzz"],
            ["learner"] = ["--broker", "amqp://localhost:1", "--run", "fuzz"],
            ["resume"] = [Path.Combine(_folder, "none")],
            ["reproduce"] = ["gate"],
            ["report"] = [_folder],
            ["init"] = ["--policy", "transformer", "--out", Path.Combine(_folder, "never.safetensors")],
        };
        var flags = 0;
        foreach (var command in Program.CreateRoot(TextWriter.Null).Subcommands)
            foreach (var option in command.Options)
            {
                var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
                if (!numeric.Contains(type)) continue;
                var range = Bounds.Of(option);
                Assert.True(range is not null, $"'delight {command.Name} {option.Name}' is numeric but has no range; declare one with .Within(min, max)");
                flags++;
                foreach (var value in Outside(range!.Min, range.Max, type == typeof(int) || type == typeof(long), random).Where(v => v is not ("nan" or "-inf" or "abc")))
                {
                    string[] args = [command.Name, .. required.GetValueOrDefault(command.Name, []), option.Name, value];
                    var result = Cli(args);
                    AssertClearError(result, string.Join(' ', args), option.Name);
                }
            }
        Assert.True(flags >= 15, $"found only {flags} numeric flags");
    }

    [Theory]
    [InlineData("--prompts", "46341", "--samples", "46341")]
    [InlineData("--finite-prompts", "2e9", "--steps", "1")]
    [InlineData("--staleness", "2e9", "--steps", "1")]
    [InlineData("--eval-rows", "2e9", "--steps", "1")]
    [InlineData("--runtime", "async", "--actors", "100000")]
    [InlineData("--prompt-length", "1000", "--prompts", "100")]
    public void HostileInputTest_TheIssuesFlags_AreClearErrors(string flag1, string value1, string flag2, string value2)
    {
        var result = Cli("train", flag1, value1, flag2, value2, "--out", Path.Combine(_folder, "never"));
        AssertClearError(result, $"{flag1} {value1} {flag2} {value2}");
        Assert.Contains("--", result.Error);
    }

    [Fact]
    public void HostileInputTest_WholeRunMemory_IsBoundedNamingTheLargestPart()
    {
        var result = Cli("train", "--runtime", "async", "--actors", "64", "--prompts", "50", "--samples", "50", "--out", Path.Combine(_folder, "never"));
        AssertClearError(result, "64 actors of 2500 rows", "65 policy copies", "lower --actors");
        result = Cli("train", "--staleness", "9000", "--out", Path.Combine(_folder, "never"));
        AssertClearError(result, "--staleness 9000", "--staleness 9000 keeps 9001 copies of the 100608 parameters", "at most 2667");
    }

    [Fact]
    public void HostileInputTest_ActorPatience_HugeIsAClearError()
    {
        var result = Cli("actor", "--broker", "amqp://localhost:1", "--run", "fuzz", "--patience", "1e300");
        AssertClearError(result, "--patience 1e300", "--patience", "86400");
    }

    // ---- checkpoints ----

    /// <summary>The header JSON of a safetensors file, and the offset of its data section.</summary>
    static (string Json, int DataStart) Header(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (Encoding.UTF8.GetString(file, 8, length), 8 + length);
    }

    static byte[] WithHeader(byte[] file, string json)
    {
        var (_, dataStart) = Header(file);
        var header = Encoding.UTF8.GetBytes(json);
        var padded = new byte[(header.Length + 7) / 8 * 8];
        Array.Fill(padded, (byte)' ');
        header.CopyTo(padded, 0);
        var result = new byte[8 + padded.Length + file.Length - dataStart];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)padded.Length);
        padded.CopyTo(result, 8);
        file.AsSpan(dataStart).CopyTo(result.AsSpan(8 + padded.Length));
        return result;
    }

    Result LogProbs(byte[] file, string name)
    {
        var path = Path.Combine(_folder, name + ".safetensors");
        File.WriteAllBytes(path, file);
        return Cli("logprobs", "--checkpoint", path, "--tokens", "0 1 0 1");
    }

    [Fact]
    public void HostileInputTest_Checkpoint_MutatedMetadataIsAClearError()
    {
        var original = File.ReadAllBytes(_run.Policy);
        Assert.Equal(0, LogProbs(original, "original").Code);
        var (json, _) = Header(original);
        string[] hostile = ["0", "-1", "abc", "", "1e9", "2147483647", "524000", "100000", "3.5", "NaN", "-0"];
        foreach (var key in new[] { "vocab", "length", "width", "heads", "layers", "ff", "ln_eps", "policy" })
            foreach (var value in hostile)
            {
                var mutated = System.Text.RegularExpressions.Regex.Replace(json, $"\"{key}\":\"[^\"]*\"", $"\"{key}\":\"{value}\"");
                var result = LogProbs(WithHeader(original, mutated), $"meta-{key}");
                if (result.Code == 0) continue; // e.g. ln_eps 3.5 is a valid architecture for these weights
                AssertClearError(result, $"{key}={value}", "checkpoint '");
            }
        // The issue's files: tiny, claiming a huge model, must be refused before anything is allocated.
        foreach (var (key, value) in new[] { ("vocab", "125000"), ("vocab", "524000"), ("layers", "100000") })
        {
            var huge = System.Text.RegularExpressions.Regex.Replace(json, $"\"{key}\":\"[^\"]*\"", $"\"{key}\":\"{value}\"").Replace("\"width\":\"64\"", "\"width\":\"2048\"");
            var headerOnly = WithHeader(original, huge)[..(8 + Header(WithHeader(original, huge)).Json.Length)];
            AssertClearError(LogProbs(headerOnly, $"huge-{key}"), $"{key}={value}", "checkpoint '");
        }
    }

    [Fact]
    public void HostileInputTest_Checkpoint_MutatedBytesAreClearErrors()
    {
        var random = new Random(Seed);
        var original = File.ReadAllBytes(_run.Policy);
        var (_, dataStart) = Header(original);
        for (var trial = 0; trial < 40; trial++)
        {
            var mutated = (byte[])original.Clone();
            string kind;
            switch (trial % 4)
            {
                case 0: // a byte of the header
                    kind = "header byte";
                    mutated[8 + random.Next(dataStart - 8)] = (byte)random.Next(256);
                    break;
                case 1: // a flipped bit in the data: only the checksum can see it
                    kind = "data bit";
                    mutated[dataStart + random.Next(original.Length - dataStart)] ^= (byte)(1 << random.Next(8));
                    break;
                case 2: // truncated anywhere
                    kind = "truncated";
                    mutated = mutated[..random.Next(original.Length)];
                    break;
                default: // the length prefix
                    kind = "length prefix";
                    BinaryPrimitives.WriteUInt64LittleEndian(mutated, (ulong)random.NextInt64() >> random.Next(64));
                    break;
            }
            var result = LogProbs(mutated, $"bytes-{trial}");
            if (result.Code == 0 && kind == "header byte") continue; // a space turned into another space, say
            AssertClearError(result, $"{kind} (trial {trial})", "checkpoint '");
            if (kind == "data bit") Assert.Contains("CRC-32C", result.Error);
        }
    }

    [Fact]
    public void HostileInputTest_Checkpoint_NonFiniteWeightIsRefusedByName()
    {
        foreach (var bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var policy = PolicyCheckpoint.Load(_run.Policy);
            policy.Parameters["blocks.1.mlp.fc1.weight"].Value[7] = bad;
            var path = Path.Combine(_folder, "nonfinite.safetensors");
            PolicyCheckpoint.Save(policy, path); // a valid checksum: the value itself is the problem
            var result = Cli("logprobs", "--checkpoint", path, "--tokens", "0 1");
            AssertClearError(result, $"weight {bad}", "'blocks.1.mlp.fc1.weight'", "index 7");
        }
    }

    // ---- training state ----

    static void WriteState(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, float[]> arrays)
    {
        var set = new ParameterSet();
        var views = arrays.Select(a => (a.Value, set.Add(a.Key, Math.Max(1, a.Value.Length)))).ToList();
        set.Allocate();
        foreach (var (values, parameter) in views) values.CopyTo(parameter.Value);
        SafeTensors.Save(path, set, metadata.Where(kv => kv.Key != SafeTensors.ChecksumKey).ToDictionary());
    }

    /// <summary>A copy of the fixture's run folder with its state rewritten; resume it to step 3.</summary>
    Result ResumeWith(string name, Func<Dictionary<string, string>, Dictionary<string, string>> metadata, Func<Dictionary<string, float[]>, Dictionary<string, float[]>> arrays)
    {
        var folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(_run.Folder)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        var state = Path.Combine(folder, Runtime.Checkpoint.StateFile);
        var header = SafeTensors.ReadHeader(state);
        var tensors = SafeTensors.ReadTensors(state).ToDictionary(t => t.Key, t => t.Value.Values);
        WriteState(state, metadata(new Dictionary<string, string>(header.Metadata)), arrays(tensors));
        return Cli("resume", folder, "--steps", "3", "--quiet");
    }

    [Fact]
    public void HostileInputTest_State_MutatedScalarsAreClearErrorsNamingFileAndKey()
    {
        var keys = SafeTensors.ReadHeader(_run.State).Metadata.Keys
            .Where(k => k is not ("format" or "run.identity" or SafeTensors.ChecksumKey)).ToList();
        Assert.Contains("run.steps", keys);
        // Each value is wrong for every key: not a number, overflowing, infinite, empty, or a list of the wrong length.
        string[] hostile = ["abc", "1e400", "", "0x10", "-Infinity", "1,2"];
        var random = new Random(Seed);
        foreach (var key in keys)
            foreach (var value in hostile.OrderBy(_ => random.Next()).Take(3))
            {
                var result = ResumeWith("state", m => { m[key] = value; return m; }, a => a);
                AssertClearError(result, $"{key} = '{value}'", "state.safetensors", $"'{key}");
                Directory.Delete(Path.Combine(_folder, "state"), recursive: true);
            }
        // The issue's cases: a negative step count, and one that wraps through an int.
        foreach (var steps in new[] { "-5", "3000000000" })
        {
            AssertClearError(ResumeWith("state", m => { m["run.steps"] = steps; return m; }, a => a), $"run.steps {steps}", "'run.steps' = '" + steps + "'");
            Directory.Delete(Path.Combine(_folder, "state"), recursive: true);
        }
    }

    [Theory]
    [InlineData("policy", "nan", "'policy'[")]
    [InlineData("optimizer.m", "inf", "'optimizer.m'[")]
    [InlineData("optimizer.v", "negative", "'optimizer.v'[")]
    [InlineData("policy", "short", "for 'policy'")]
    [InlineData("optimizer.v", "short", "for 'optimizer.v'")]
    public void HostileInputTest_State_BadArraysAreRefusedOnResume(string key, string damage, string expected)
    {
        var result = ResumeWith("arrays", m => m, a =>
        {
            var values = a[key];
            a[key] = damage switch
            {
                "nan" => values.Select((v, i) => i == 3 ? float.NaN : v).ToArray(),
                "inf" => values.Select((v, i) => i == 3 ? float.PositiveInfinity : v).ToArray(),
                "negative" => values.Select((v, i) => i == 3 ? -1e-3f : v).ToArray(),
                _ => values[..^1],
            };
            return a;
        });
        AssertClearError(result, $"{key} {damage}", "state.safetensors", expected);
    }

    [Fact]
    public void HostileInputTest_State_UntouchedResumes()
    {
        var result = ResumeWith("untouched", m => m, a => a);
        Assert.True(result.Code == 0, result.Error);
    }

    // ---- config files ----

    [Theory]
    [InlineData("yaml", "[steps, seed]: 3\n", "has a key that is a list or mapping")]
    [InlineData("yaml", "{a: 1}: 3\n", "has a key that is a list or mapping")]
    [InlineData("yaml", "steps: 3\n---\nseed: 4\n", "holds 2 YAML documents")]
    [InlineData("yaml", "steps: [1, 2]\n", "must be a single value")]
    [InlineData("yaml", "steps: 1e300\n", "out of range")]
    [InlineData("yaml", "steps: abc\n", "must be an integer")]
    [InlineData("yaml", "prompts: 10000\nsamples: 10000\n", "rows per batch")]
    [InlineData("yaml", "a: &x [1, 2]\nb: *x\n", "single value")]
    [InlineData("yaml", "steps: 3\n  bad indent: [\n", "not valid YAML")]
    [InlineData("yaml", "- steps\n- 3\n", "one mapping")]
    [InlineData("yaml", "DEEP", "more than 16 deep")]
    [InlineData("json", "{\"steps\": {\"a\": 1}}", "must be a single value")]
    [InlineData("json", "[1, 2]", "one JSON object")]
    [InlineData("json", "{\"steps\": 1e999}", "steps")]
    [InlineData("json", "{\"lr\": \"NaN\"}", "finite number")]
    [InlineData("json", "{\"steps\": 3", "not valid JSON")]
    [InlineData("json", "DEEP", "not valid JSON")]
    public void HostileInputTest_Config_HostileFilesAreClearErrorsNamingTheFile(string extension, string text, string expected)
    {
        if (text == "DEEP") text = extension == "yaml" ? "steps: " + new string('[', 50_000) + new string(']', 50_000) + "\n" : new string('[', 50_000) + new string(']', 50_000);
        var path = Path.Combine(_folder, "config." + extension);
        File.WriteAllText(path, text);
        var result = Cli("train", "--config", path, "--out", Path.Combine(_folder, "never"));
        AssertClearError(result, text.Length > 60 ? text[..60] : text, expected);
        Assert.True(result.Error.Contains(path, StringComparison.Ordinal) || result.Error.Contains("--steps", StringComparison.Ordinal) || result.Error.Contains("--prompts", StringComparison.Ordinal), result.Error);
    }

    // ---- data ----

    /// <summary>
    /// A gzip bomb built here (never committed): a few hundred KB that inflate to far more than any MNIST file. Reading
    /// stops just past the size the IDX header declares (or the absolute cap), with the file's name in the error.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HostileInputTest_GzipBomb_StopsAtTheExpectedSize(bool idxHeader)
    {
        var mnist = Path.Combine(_folder, "mnist");
        Directory.CreateDirectory(mnist);
        var inflated = idxHeader ? 64L << 20 : IdxReader.MaxContentBytes + (8L << 20);
        var path = Path.Combine(mnist, "bomb.gz");
        using (var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            var header = new byte[16];
            if (idxHeader)
            {
                BinaryPrimitives.WriteInt32BigEndian(header, IdxReader.ImagesMagic);
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 60_000);
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 28);
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 28);
            }
            gzip.Write(header);
            var zeros = new byte[1 << 20];
            for (long written = header.Length; written < inflated; written += zeros.Length) gzip.Write(zeros);
        }
        Assert.True(new FileInfo(path).Length < inflated / 100, "the bomb is small on disk");
        foreach (var file in MnistFiles.All) File.Copy(path, Path.Combine(mnist, file.Name + ".gz"));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<MnistDataException>(() => IdxReader.ReadImages(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < MemoryBound, "inflation was not capped");
        Assert.Contains(path, e.Message);
        Assert.Contains(idxHeader ? "more than the 47040016 bytes its IDX header declares" : "far more than any MNIST file", e.Message);

        var result = Cli("train", "--task", "mnist", "--mnist-dir", mnist, "--steps", "1", "--out", Path.Combine(_folder, "never"));
        AssertClearError(result, "gzip bomb", mnist, "decompresses to more than");
    }

    // ---- output and sweeps ----

    [Fact]
    public void HostileInputTest_Sweep_TruncatedSummaryIsReportedAndRerun()
    {
        var sweep = Path.Combine(_folder, "sweep");
        string[] args = ["sweep", "--methods", "pg", "--seeds", "1", "--steps", "2", "--prompts", "2", "--samples", "2", "--eval-rows", "4", "--jobs", "1", "--out", sweep];
        Assert.Equal(0, Cli(args).Code);
        var summary = Directory.GetFiles(sweep, RunFolder.SummaryFile, SearchOption.AllDirectories).Single(p => Path.GetDirectoryName(p) != sweep);
        var text = File.ReadAllText(summary);
        File.WriteAllText(summary, text[..(text.Length / 2)]);

        var result = Cli(args);
        Assert.True(result.Code == 0, result.Error);
        Assert.Contains("broken run", result.Output);
        Assert.Contains("training it again", result.Output);
        Assert.Equal(text.Length > 0, File.Exists(summary));
        using var reread = System.Text.Json.JsonDocument.Parse(File.ReadAllText(summary)); // whole again
    }

    [Fact]
    public void HostileInputTest_Summary_NonFiniteNumbersAreNullAndNamed()
    {
        var folder = Path.Combine(_folder, "diverged");
        Directory.CreateDirectory(folder);
        var options = new TrainOptions { Steps = 1, Batch = new() { Prompts = 2, Samples = 2 }, Evaluation = new() { Rows = 4 } };
        using (var run = RunFolder.Create(folder))
        {
            run.WriteStep(new StepReport(1, 1, default, default, double.NaN, new Evaluation(double.NaN, double.PositiveInfinity), 0.1));
            run.WriteSummary(new RunSummary(options, 1, double.NaN, new Evaluation(0.5, 0.5), new Evaluation(double.NaN, double.NegativeInfinity), default, 10));
        }
        var summary = File.ReadAllText(Path.Combine(folder, RunFolder.SummaryFile));
        using var document = System.Text.Json.JsonDocument.Parse(summary);
        var root = document.RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("final").GetProperty("error").ValueKind);
        var named = root.GetProperty("non_finite").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("final.error", named);
        Assert.Contains("final.reward", named);
        Assert.Contains("wall_seconds", named);
        Assert.Contains("metrics.error", named);
        var csv = File.ReadAllLines(Path.Combine(folder, RunFolder.CsvFile));
        Assert.DoesNotContain("NaN", csv[1]);
        Assert.DoesNotContain("Infinity", csv[1]);
    }

    // ---- bugs stay visible ----

    [Fact]
    public void HostileInputTest_OnlyOurOwnInputErrorsAreOneLine()
    {
        Assert.True(CliErrors.IsUserError(new OptionException("--x", "bad")));
        Assert.True(CliErrors.IsUserError(new CheckpointException("p", "bad")));
        Assert.True(CliErrors.IsUserError(new IOException("disk full")));
        Assert.False(CliErrors.IsUserError(new InvalidOperationException("bug")));
        Assert.False(CliErrors.IsUserError(new IndexOutOfRangeException()));
        Assert.False(CliErrors.IsUserError(new NullReferenceException()));
        Assert.False(CliErrors.IsUserError(new OverflowException()));
        Assert.False(CliErrors.IsUserError(new EndOfStreamException()));
        // Classified by type, not by where it was thrown: an ArgumentException is a bug whether the .NET libraries or a
        // Delight library check threw it, since input reaching the CLI is checked first and refused as an OptionException.
        var fromBcl = Assert.ThrowsAny<ArgumentException>(() => new Span<int>(new int[2]).Slice(3).ToArray());
        Assert.False(CliErrors.IsUserError(fromBcl));
        var fromLibrary = Assert.ThrowsAny<ArgumentException>(() => new TransformerOptions { Width = 6, HeadCount = 4 }.Validate());
        Assert.False(CliErrors.IsUserError(fromLibrary));
        Assert.False(CliErrors.IsUserError(new FormatException("bad")));
    }
}
