using System.Text.Json;
using System.Text.Json.Nodes;
using Delight.Cli;
using Delight.Environments;
using Delight.Policies;
using Delight.Runtime;
using Delight.Test.Environments;
using static Delight.Test.Cli.InProcessCli;

namespace Delight.Test.RuntimeTests;

/// <summary>
/// --width --layers --heads --ff (transformer) and --hidden (MLP) from the CLI and config files: the size reaches the
/// policy, config.json, resume, logprobs and the config message remote actors read; bad sizes are one-line errors.
/// </summary>
public sealed class ModelSizeTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-model-size-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly string[] Small = ["--prompt-length", "4", "--prompts", "4", "--samples", "4", "--eval-rows", "20", "--seed", "3", "--quiet"];
    static readonly string[] Size = ["--width", "32", "--layers", "2", "--heads", "8", "--ff", "48"];

    [Fact]
    public void ModelSizeTest_NonDefaultTransformer_TrainsCheckpointsResumesAndLoadsInLogprobs()
    {
        var run = Path.Combine(_folder, "run");
        var whole = Path.Combine(_folder, "whole");
        var first = Run(["train", "--steps", "4", "--checkpoint-every", "2", "--out", run, .. Size, .. Small]);
        Assert.True(first.Code == 0, first.Error);

        // config.json records the size, and a policy built from it has the size's parameter count.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json")))!;
        Assert.Equal(32, (int)config["width"]!);
        Assert.Equal(2, (int)config["layers"]!);
        Assert.Equal(8, (int)config["heads"]!);
        Assert.Equal(48, (int)config["ff"]!);
        var options = ConfigFile.Load(Path.Combine(run, "config.json"));
        var session = new TrainingSession(options);
        var expected = new TransformerOptions
        {
            VocabularySize = 2, SequenceLength = 8, Width = 32, LayerCount = 2, HeadCount = 8, FeedForwardWidth = 48,
        }.ParameterCount;
        Assert.Equal(expected, session.Policy.Parameters.Count);
        Assert.NotEqual(new TrainingSession(new TrainOptions { Task = new() { PromptLength = 4 } }).Policy.Parameters.Count, session.Policy.Parameters.Count);

        // Resume to step 8 equals an uninterrupted 8-step run of the same size (the sync runtime is bit-reproducible).
        var resumed = Run("resume", run, "--steps", "8", "--quiet");
        Assert.True(resumed.Code == 0, resumed.Error);
        var straight = Run(["train", "--steps", "8", "--out", whole, .. Size, .. Small]);
        Assert.True(straight.Code == 0, straight.Error);
        Assert.Equal(FinalError(whole), FinalError(run));

        // The checkpoint carries its shape: logprobs loads it without being told the size.
        var logprobs = Run("logprobs", "--checkpoint", Path.Combine(run, "policy.safetensors"), "--tokens", "0 1 1 0 0 1 1 0");
        Assert.True(logprobs.Code == 0, logprobs.Error);
        var values = JsonNode.Parse(logprobs.Output)!["logprobs"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(8, values.Length);
        Assert.All(values.Skip(1), v => Assert.True(v < 0 && double.IsFinite(v)));
    }

    static string FinalError(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!["final"]!.ToJsonString();

    [Fact]
    public void ModelSizeTest_ConfigFileAndConfigMessage_CarryTheSize()
    {
        var yaml = Path.Combine(_folder, "run.yaml");
        File.WriteAllText(yaml, "task: reversal\nwidth: 96\nheads: 6\nlayers: 1\n");
        var options = OptionsFile.Load(yaml);
        Assert.Equal(new ModelOptions { Width = 96, Heads = 6, Layers = 1 }, options.Model);

        // The learner's config message is config.json's format: a remote actor rebuilds the same policy.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) Delight.Experiments.RunFolder.WriteOptions(writer, options);
        var message = ConfigFile.FromJson(System.Text.Encoding.UTF8.GetString(buffer.ToArray()), "a config message");
        Assert.Equal(options.Model, message.Model);
        Assert.Equal(new TrainingSession(options).Policy.Parameters.Count, new TrainingSession(message).Components.CreatePolicy().Parameters.Count);
    }

    [Fact]
    public void ModelSizeTest_DefaultSize_IsTheReferenceTransformer()
    {
        var session = new TrainingSession(new TrainOptions());
        var policy = Assert.IsType<TransformerPolicy>(session.Policy);
        Assert.Equal(new TransformerOptions { MaxRows = policy.Options.MaxRows }, policy.Options);
        Assert.Equal(policy.Options.ParameterCount, policy.Parameters.Count);
    }

    [Theory]
    [InlineData("--heads", "5", "--heads 5 does not divide --width 64")]
    [InlineData("--width", "0", "--width 0 (in the command line) is out of range; give a value from 1 to 4096")]
    [InlineData("--width", "8192", "--width 8192 (in the command line) is out of range; give a value from 1 to 4096")]
    [InlineData("--layers", "65", "--layers 65 (in the command line) is out of range; give a value from 1 to 64")]
    [InlineData("--ff", "-1", "--ff -1 (in the command line) is out of range; give a value from 1 to 16384")]
    [InlineData("--heads", "128", "--heads 128 must be an integer in [1, 64]")]
    [InlineData("--hidden", "64,64", "--hidden sizes the MLP of feature tasks (mnist)")]
    [InlineData("--width", "four", "'width' in the command line must be an integer")]
    public void ModelSizeTest_BadSizes_AreOneLineErrorsThatWriteNothing(string flag, string value, string expected)
    {
        var outDir = Path.Combine(_folder, "bad");
        var (code, _, error) = Run("train", flag, value, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ModelSizeTest_TooManyParameters_NamesTheCountAndTheFix()
    {
        var (code, _, error) = Run("train", "--width", "4096", "--layers", "64", "--heads", "64", "--out", Path.Combine(_folder, "huge"));
        Assert.Equal(2, code);
        Assert.Contains($"above the {PolicyLimits.MaxParameters:N0} supported; lower --width, --layers or --ff", error);
    }

    [Fact]
    public void ModelSizeTest_BanditsTrainATable_AndRefuseAnySize()
    {
        var (code, _, error) = Run("train", "--task", "bandit", "--width", "128", "--out", Path.Combine(_folder, "bandit"));
        Assert.Equal(2, code);
        Assert.Contains("--width sizes the transformer, but this task trains a table", error);
        (code, _, error) = Run("reproduce", "gate", "--width", "128", "--out", Path.Combine(_folder, "gate"));
        Assert.Equal(2, code);
        Assert.Contains("'gate' trains no network", error);
    }

    [Theory]
    [InlineData("100,100", new[] { 100, 100 })]
    [InlineData("256x128x64", new[] { 256, 128, 64 })]
    [InlineData("0", new int[0])]
    public void ModelSizeTest_HiddenWidths_ParseCommasOrX(string text, int[] widths) =>
        Assert.Equal(widths, ModelOptions.ParseHidden(text));

    [Fact]
    public void ModelSizeTest_BadHiddenWidth_NamesTheWidth()
    {
        var e = Assert.Throws<OptionException>(() => ModelOptions.ParseHidden("100,0"));
        Assert.Equal("--hidden", e.Option);
        Assert.Contains("hidden width '0'", e.Message);
    }

    [MnistFact]
    public void ModelSizeTest_MnistHidden_SizesTheMlp()
    {
        var options = new TrainOptions { Model = new ModelOptions { Hidden = "32" }, Task = new() { Name = "mnist" }, Evaluation = new() { Rows = 100 } };
        var policy = Assert.IsType<FeaturePolicy>(new TrainingSession(options).Policy);
        Assert.Equal((784 + 1) * 32 + (32 + 1) * 10, policy.Parameters.Count);
        var e = Assert.Throws<OptionException>(() => new TrainOptions { Model = new ModelOptions { Width = 128 }, Task = new() { Name = "mnist" } }.Validate());
        Assert.Equal("--width", e.Option);
    }

    [Fact]
    public void ModelSizeTest_SweepAxis_GridsTheWidth()
    {
        var spec = new Delight.Experiments.Sweeps.SweepArguments { Grid = ["width=32,64", "hidden=64"] };
        var e = Assert.Throws<OptionException>(() => { foreach (var r in spec.ToSpec(new TrainOptions()).Expand("OUT")) r.Options.Validate(); });
        Assert.Equal("--hidden", e.Option); // the grid reaches validation: reversal's transformer has no --hidden
        var runs = new Delight.Experiments.Sweeps.SweepArguments { Grid = ["width=32,64"] }.ToSpec(new TrainOptions()).Expand("OUT");
        Assert.Equal([32, 64], runs.Select(r => r.Options.Model.Width!.Value));
    }

    /// <summary>The smallest sweep-based experiment: one configuration, one seed, to see the context's size reach the run.</summary>
    sealed class OneRun : Delight.Experiments.Reproduce.SweepExperiment
    {
        public override string Name => "one-run";
        public override string Description => "one reversal run";

        public override Delight.Experiments.Reproduce.ExperimentReport Run(Delight.Experiments.Reproduce.ReproduceScale scale, int seeds, string outDirectory, TextWriter log, Delight.Experiments.Reproduce.SweepContext context)
        {
            var tables = RunSweep("g", new TrainOptions { Steps = Steps(scale, context, 2, 2), Task = new() { PromptLength = 4 }, Batch = new() { Prompts = 2, Samples = 2 }, Evaluation = new() { Rows = 10 } }, [], seeds, outDirectory, context, log);
            return new() { Name = Name, Title = Name, Setup = "", Seeds = "1", Tables = [], Plots = [], Papers = "", Comparison = tables.Group };
        }
    }

    [Fact]
    public void ModelSizeTest_Reproduce_SizesEveryRunOfTheSweep()
    {
        var context = new Delight.Experiments.Reproduce.SweepContext(Delight.Cli.Commands.SweepCommand.Trainer, Model: new ModelOptions { Width = 24, Heads = 3 });
        new OneRun().Run(Delight.Experiments.Reproduce.ReproduceScale.Quick, 1, _folder, TextWriter.Null, context);
        var config = Directory.GetFiles(Path.Combine(_folder, "sweep", "g"), "config.json", SearchOption.AllDirectories);
        var saved = ConfigFile.Load(Assert.Single(config));
        Assert.Equal(new ModelOptions { Width = 24, Heads = 3 }, saved.Model);
    }
}
