using System.Net;
using System.Net.Sockets;
using Delight.Distributed;
using Delight.RabbitMq;

namespace Delight.Test.Distributed;

/// <summary>Errors a user sees before any broker is involved: one line, naming the URI, never the password.</summary>
public class BrokerConnectionTest
{
    [Theory]
    [InlineData("not a uri")]
    [InlineData("http://localhost:5672/")]
    [InlineData("amqp://")]
    public void BrokerConnectionTest_BadUri_FailsAtOnceNamingIt(string uri)
    {
        var error = Assert.Throws<BrokerException>(() => new BrokerConnection(new BrokerOptions(uri)));
        Assert.Contains(uri, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task BrokerConnectionTest_NobodyListening_FailsAfterTheStartupDeadlineNamingTheUriWithoutPassword()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        await using var broker = new BrokerConnection(new BrokerOptions($"amqp://user:secret@127.0.0.1:{port}/")
        {
            StartupTimeout = TimeSpan.FromSeconds(1),
            UnreachableTimeout = TimeSpan.FromSeconds(120), // applies only after a first connection
            InitialBackoff = TimeSpan.FromMilliseconds(50),
        });

        var waited = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BrokerException>(() => broker.OpenChannelAsync(false, CancellationToken.None));

        Assert.Contains($"cannot reach the broker at amqp://user:***@127.0.0.1:{port}/ within the start-up deadline of 1 s", error.Message);
        Assert.DoesNotContain("secret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.InRange(waited.Elapsed.TotalSeconds, 0.9, 15);
    }
}
