using Delight.Distributed;
using Delight.RabbitMq;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Delight.Test.Distributed;

/// <summary>Which broker replies end a process, on the broker's own reply texts (RabbitMQ 3.x/4.x).</summary>
public sealed class BrokerReplyTest
{
    const ushort Connection = 10, Queue = 50, Basic = 60;

    static ShutdownEventArgs Reply(ushort code, string text, ushort classId, ShutdownInitiator initiator = ShutdownInitiator.Peer) =>
        new(initiator, code, text, classId, methodId: 10);

    [Theory]
    [InlineData(403, "ACCESS_REFUSED - access to queue 'q' in vhost '/' refused for user 'u'", Queue)]
    [InlineData(530, "NOT_ALLOWED - vhost v not found", Connection)]
    [InlineData(530, "NOT_ALLOWED - access to vhost 'v' refused for user 'u'", Connection)]
    [InlineData(404, "NOT_FOUND - no vhost", Connection)]
    [InlineData(402, "INVALID_PATH - bad vhost", Connection)]
    [InlineData(405, "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'q' in vhost '/'", Queue)]
    [InlineData(406, "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'q' in vhost '/'", Queue)]
    public void BrokerReplyTest_RefusalsTheBrokerWouldRepeat_ArePermanent(int code, string text, int classId) =>
        Assert.True(BrokerReply.IsPermanent(Reply((ushort)code, text, (ushort)classId)));

    [Theory]
    [InlineData(404, "NOT_FOUND - no queue 'q' in vhost '/'", Queue)]
    [InlineData(320, "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'", Connection)]
    [InlineData(406, "PRECONDITION_FAILED - unknown delivery tag 7", Basic)]
    [InlineData(406, "PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms", Basic)]
    [InlineData(403, "ACCESS_REFUSED - queue 'q' in vhost '/' in exclusive use", Basic)]
    [InlineData(541, "INTERNAL_ERROR", Connection)]
    [InlineData(530, "NOT_ALLOWED - access to vhost '/' refused for user 'guest': vhost '/' is down", Connection)]
    public void BrokerReplyTest_FailuresANewChannelCanCure_AreNotPermanent(int code, string text, int classId) =>
        Assert.False(BrokerReply.IsPermanent(Reply((ushort)code, text, (ushort)classId)));

    [Fact]
    public void BrokerReplyTest_OurOwnClose_IsNeverARefusal() =>
        Assert.False(BrokerReply.IsPermanent(Reply(406, "PRECONDITION_FAILED - inequivalent arg", Queue, ShutdownInitiator.Application)));

    [Fact]
    public void BrokerReplyTest_RefusalWrappedByTheClient_IsFound()
    {
        var reason = Reply(530, "NOT_ALLOWED - vhost v not found", Connection);
        var wrapped = new BrokerUnreachableException(new AggregateException(new IOException("x"), new OperationInterruptedException(reason)));

        Assert.Same(reason, BrokerReply.PermanentReason(wrapped));
        Assert.Null(BrokerReply.PermanentReason(new BrokerUnreachableException(new IOException("connection refused"))));
    }
}
