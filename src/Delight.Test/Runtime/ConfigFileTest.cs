using Delight.Learning;
using Delight.Losses;
using Delight.Runtime;

namespace Delight.Test.RuntimeTests;

/// <summary>Config files: YAML and JSON with the CLI's option names; unknown keys and wrong types named.</summary>
public sealed class ConfigFileTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ConfigFileTest_YamlAndJson_SetTheSameOptions()
    {
        var yaml = OptionsFile.Load(Write("a.yaml", "task: reversal\nmethod: pg\nsteps: 42\nstaleness: 3\nkondo-rate: 0.25\nforward: true\nbeta: null\n"));
        var json = OptionsFile.Load(Write("a.json", """{ "task": "reversal", "method": "pg", "steps": 42, "staleness": 3, "kondo-rate": 0.25, "forward": true, "beta": null }"""));
        Assert.Equal(yaml, json);
        Assert.Equal((Method.Pg, 42, 3, (float?)0.25f, false), (yaml.Loss.Method, yaml.Steps, yaml.Frictions.Staleness.Versions, yaml.Screen.Kondo.Rate, yaml.Task.TargetReverse));
    }

    [Fact]
    public void ConfigFileTest_UnknownKey_NamesTheClosestOption()
    {
        var error = Assert.Throws<OptionException>(() => OptionsFile.Load(Write("b.yaml", "stalenes: 3\n")));
        Assert.Contains("unknown option 'stalenes'", error.Message);
        Assert.Contains("did you mean 'staleness'?", error.Message);
    }

    [Theory]
    [InlineData("c.yaml", "steps: many\n", "'steps'", "an integer")]
    [InlineData("c.json", """{ "kondo-rate": "high" }""", "'kondo-rate'", "a number")]
    [InlineData("c.json", """{ "steps": [1, 2] }""", "'steps'", "single value")]
    [InlineData("c.yaml", "steps: null\n", "'steps'", "got null")]
    public void ConfigFileTest_WrongType_NamesKeyAndType(string name, string text, string key, string expected)
    {
        var error = Assert.Throws<OptionException>(() => OptionsFile.Load(Write(name, text)));
        Assert.Contains(key, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ConfigFileTest_BadFile_IsNamed()
    {
        Assert.Contains("does not exist", Assert.Throws<OptionException>(() => OptionsFile.Load(Path.Combine(_folder, "none.yaml"))).Message);
        Assert.Contains("use .yaml", Assert.Throws<OptionException>(() => OptionsFile.Load(Write("d.toml", "steps = 3"))).Message);
        Assert.Contains("not valid JSON", Assert.Throws<OptionException>(() => OptionsFile.Load(Write("e.json", "{ steps: "))).Message);
    }

    [Fact]
    public void ConfigFileTest_ResolvedConfig_RoundTripsEveryOption()
    {
        var options = new TrainOptions { Seed = 9, Loss = new() { Method = Method.Kondo }, Screen = new() { Kondo = new() { Rate = 0.1f } }, Frictions = new() { Staleness = new() { Versions = 4 } }, Optimizer = new() { LearningRate = 1e-3f }, Batch = new() { Advantage = AdvantageEstimator.Global }, Task = new() { Dense = true, PoisonToken = 1 } };
        var path = Path.Combine(_folder, "config.json");
        Delight.Experiments.RunFolder.WriteAtomically(path, w => Delight.Experiments.RunFolder.WriteOptions(w, options));
        Assert.Equal(options, OptionsFile.Load(path));
    }

    [Fact]
    public void ConfigFileTest_CoreReadsJsonOnly_AndNamesThePackageForYaml()
    {
        var error = Assert.Throws<OptionException>(() => ConfigFile.Load(Write("f.yaml", "steps: 3\n")));
        Assert.Contains("Delight.Config", error.Message);
        Assert.Equal(3, OptionsFile.Load(Write("g.yaml", "steps: 3\n")).Steps);
        Assert.DoesNotContain(typeof(TrainOptions).Assembly.GetReferencedAssemblies(), a => a.Name == "YamlDotNet");
    }
}
