using System.Threading.Channels;
using Delight.Distributed;

namespace Delight.Test.Distributed;

/// <summary>
/// A second engine for the distributed learner and actor, in process: what <c>docs/distributed/running.md</c> says
/// another engine implements. Rollouts, parameters and credits go through the same wire codecs as RabbitMQ's; there is
/// no durability (one process), so it shows the interfaces suffice, not the crash guarantees.
/// </summary>
sealed class InMemoryTransport : ITransportConnector
{
    readonly Channel<byte[]> _rollouts = Channel.CreateUnbounded<byte[]>();
    readonly Channel<Credit> _credits = Channel.CreateUnbounded<Credit>();
    readonly TaskCompletionSource<string> _config = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<string> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly object _lock = new();
    byte[]? _parameters;
    PolicyStamp _newest = new(0, -1);
    TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    RunName? _run;

    public string Address => "in-memory";
    /// <summary>Every rollout the learner committed: origin and reason (none: applied).</summary>
    public List<RolloutDecision> Committed { get; } = [];
    public LearnerStatus? LastStatus { get; private set; }

    public Task<ILearnerTransport> ConnectLearnerAsync(RunName run, LearnerTransportOptions options, CancellationToken cancellationToken)
    {
        _run = run;
        _config.TrySetResult(options.ConfigJson);
        return Task.FromResult<ILearnerTransport>(new Learner(this, run, options));
    }

    public async Task<IActorTransport> ConnectActorAsync(RunName run, ulong actorId, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return new Actor(this, run, actorId);
    }

    PolicyStamp Newest
    {
        get { lock (_lock) return _newest; }
    }

    sealed class Learner(InMemoryTransport bus, RunName run, LearnerTransportOptions options) : ILearnerTransport
    {
        readonly DuplicateFilter _duplicates = new();
        readonly List<RolloutDecision> _pending = [];
        readonly MessageBuffer _buffer = new();
        ulong _nextCredit = 1;
        ulong _epoch;

        public async ValueTask<ReceivedRollout> ReceiveAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var message = await bus._rollouts.Reader.ReadAsync(cancellationToken);
                var received = new ReceivedRollout(options.Check.Shape);
                var result = RolloutMessage.Decode(message, run, options.Check, received.Rollout, out var origin, out var stamp);
                if (!result.IsValid)
                {
                    options.OnInvalid?.Invoke(result.Reason);
                    continue;
                }
                if (!_duplicates.TryMark(origin)) continue;
                received.Origin = origin;
                received.Stamp = stamp;
                return received;
            }
        }

        public ValueTask AcceptAsync(ReceivedRollout received) => Decide(received, RejectReason.None);
        public ValueTask RejectAsync(ReceivedRollout received, RejectReason reason, string detail) => Decide(received, reason);

        ValueTask Decide(ReceivedRollout received, RejectReason reason)
        {
            _pending.Add(new RolloutDecision(received.Origin, reason));
            Scribble(received);
            return ValueTask.CompletedTask;
        }

        /// <summary>
        /// The verdict hands the buffer back, and the RabbitMQ receiver refills it with the next delivery at once (from
        /// its own thread). Here it is overwritten at once, as a debug allocator poisons freed memory, so a learner that
        /// reads it after the verdict fails every time instead of once in a while under load.
        /// </summary>
        static void Scribble(ReceivedRollout received)
        {
            received.Origin = new RolloutOrigin(0xDEADDEADDEADDEAD, ulong.MaxValue);
            received.Stamp = default;
            received.Rollout.RowCount = 0;
            received.Rollout.PolicyVersion = -1;
            received.Rollout.Rewards.AsSpan().Fill(float.NaN);
        }

        public int Pending => _pending.Count;

        public Task CommitAsync()
        {
            bus.Committed.AddRange(_pending);
            _pending.Clear();
            return Task.CompletedTask;
        }

        public List<RolloutDecision> Decisions() => [.. _pending];
        public string SaveSeen() => _duplicates.Save([]);

        public Task PublishParametersAsync(PolicyStamp stamp, ParameterLayout layout, ReadOnlyMemory<float> parameters, CancellationToken cancellationToken)
        {
            ParameterMessage.Encode(run, stamp, layout, parameters.Span, _buffer);
            TaskCompletionSource arrived;
            lock (bus._lock)
            {
                bus._parameters = _buffer.Written.ToArray();
                bus._newest = stamp;
                arrived = bus._arrived;
                bus._arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            arrived.TrySetResult();
            return Task.CompletedTask;
        }

        public Task ResetCreditsAsync(ulong epoch, int count, long minVersion, CancellationToken cancellationToken)
        {
            _epoch = epoch;
            while (bus._credits.Reader.TryRead(out _)) { }
            for (var i = 0; i < count; i++) Grant(minVersion);
            return Task.CompletedTask;
        }

        public Task ReplaceCreditAsync(ulong creditId, long minVersion, CancellationToken cancellationToken)
        {
            Grant(minVersion);
            return Task.CompletedTask;
        }

        void Grant(long minVersion) => bus._credits.Writer.TryWrite(new Credit(_nextCredit++, _epoch, minVersion));

        public Task WithdrawCreditsAsync(CancellationToken cancellationToken)
        {
            while (bus._credits.Reader.TryRead(out _)) { }
            return Task.CompletedTask;
        }

        public Task PublishFinishedAsync(string reason, CancellationToken cancellationToken)
        {
            bus._finished.TrySetResult(reason);
            return Task.CompletedTask;
        }

        public Task PublishStatusAsync(LearnerStatus status, CancellationToken cancellationToken)
        {
            bus.LastStatus = status;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    sealed class Actor(InMemoryTransport bus, RunName run, ulong actorId) : IActorTransport
    {
        readonly MessageBuffer _buffer = new();
        PolicyStamp _taken = new(0, -1);

        public Task<string> ConfigAsync(CancellationToken cancellationToken) => bus._config.Task.WaitAsync(cancellationToken);
        public Task<string> Finished => bus._finished.Task;

        public async Task<HeldCredit> TakeCreditAsync(CancellationToken cancellationToken) =>
            new Held(await bus._credits.Reader.ReadAsync(cancellationToken));

        public Task CompleteCreditAsync(HeldCredit credit, CancellationToken cancellationToken) => Task.CompletedTask;

        public PolicyStamp NewestParameters => bus.Newest;

        public async Task WaitForParametersAsync(Func<PolicyStamp, bool> ready, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task arrived;
                lock (bus._lock)
                {
                    if (ready(bus._newest)) return;
                    arrived = bus._arrived.Task;
                }
                await arrived.WaitAsync(cancellationToken);
            }
        }

        public bool TryTakeNewestParameters(ParameterLayout expected, Span<float> destination, out PolicyStamp stamp)
        {
            lock (bus._lock)
            {
                stamp = _taken;
                if (bus._parameters is not { } message || bus._newest == _taken) return false;
                var valid = ParameterMessage.Validate(message, run, out var newest, out var layout);
                if (!valid.IsValid) throw new InvalidDataException(valid.Message);
                var copied = ParameterMessage.CopyParameters(message, layout, expected, destination);
                if (!copied.IsValid) throw new InvalidDataException(copied.Message);
                stamp = _taken = newest;
                return true;
            }
        }

        public Task ResyncAsync(CancellationToken cancellationToken)
        {
            _taken = new(0, -1);
            return Task.CompletedTask;
        }

        public ulong NextSequence { get; private set; }
        public long Sent { get; private set; }

        public Task SendAsync(Rollout rollout, RolloutStamp stamp, CancellationToken cancellationToken)
        {
            RolloutMessage.Encode(rollout, run, new RolloutOrigin(actorId, NextSequence++), stamp, _buffer);
            bus._rollouts.Writer.TryWrite(_buffer.Written.ToArray());
            Sent++;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        sealed class Held(Credit credit) : HeldCredit(credit);
    }
}
