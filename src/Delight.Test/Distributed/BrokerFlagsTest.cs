using Delight.Cli;
using Delight.Cli.Commands;
using Delight.Runtime;

namespace Delight.Test.Distributed;

/// <summary>Where the broker URI comes from: exactly one of --broker, --broker-file and DELIGHT_BROKER.</summary>
public sealed class BrokerFlagsTest : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("delight-flags-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    string File(string text)
    {
        var path = Path.Combine(_folder, $"broker-{Guid.NewGuid():N}");
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void BrokerFlagsTest_EachSourceAlone_GivesItsUri()
    {
        Assert.Equal("amqp://a/", BrokerFlags.ResolveUri("amqp://a/", null, null));
        Assert.Equal("amqp://b/", BrokerFlags.ResolveUri(null, File("  amqp://b/ \r\nsecond line\n"), null));
        Assert.Equal("amqp://c/", BrokerFlags.ResolveUri(null, null, "amqp://c/"));
        Assert.Equal("amqp://a/", BrokerFlags.ResolveUri("amqp://a/", null, "")); // an empty variable is not a source
    }

    [Fact]
    public void BrokerFlagsTest_NoSource_NamesAllThree()
    {
        var error = Assert.Throws<OptionException>(() => BrokerFlags.ResolveUri(null, null, null));
        Assert.Equal("no broker URI: give --broker amqp://user:password@host:port/vhost, --broker-file PATH, or set DELIGHT_BROKER.", error.Message);
    }

    [Fact]
    public void BrokerFlagsTest_TwoSources_AreRefusedNamingBoth()
    {
        var error = Assert.Throws<OptionException>(() => BrokerFlags.ResolveUri("amqp://a/", null, "amqp://c/"));
        Assert.Equal("the broker URI is given by --broker and DELIGHT_BROKER; give exactly one of --broker, --broker-file and DELIGHT_BROKER.", error.Message);
    }

    [Fact]
    public void BrokerFlagsTest_MissingOrEmptyFile_IsNamed()
    {
        var missing = Path.Combine(_folder, "nope");
        Assert.StartsWith($"--broker-file '{missing}' cannot be read:", Assert.Throws<OptionException>(() => BrokerFlags.ResolveUri(null, missing, null)).Message);
        var empty = File("\nsecond");
        Assert.Equal($"--broker-file '{empty}' has an empty first line; write the broker URI there.",
            Assert.Throws<OptionException>(() => BrokerFlags.ResolveUri(null, empty, null)).Message);
    }

    [Fact]
    public void BrokerFlagsTest_Cli_NoBroker_ExitsTwoWithTheMessage()
    {
        // No test sets DELIGHT_BROKER in this process (the environment test uses a child process).
        var error = new StringWriter();
        var code = Program.Run(["status", "--run", "r"], TextWriter.Null, error);
        Assert.Equal(2, code);
        Assert.StartsWith("delight: error: no broker URI: give --broker", error.ToString());
    }
}
