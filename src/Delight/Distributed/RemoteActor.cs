using System.Globalization;
using Delight.Actors;
using Delight.Numerics;
using Delight.Runtime;

namespace Delight.Distributed;

/// <summary>How a remote actor ended: rollouts the broker confirmed, and the learner's reason for finishing.</summary>
public readonly record struct RemoteActorResult(long Sent, string FinishReason);

/// <summary>
/// One actor process of a distributed run. It knows only the broker and the run name: the task, batch shape and
/// policy architecture come from the learner's config message (the resolved options, as in config.json), with this
/// actor's own friction flags applied on top. Pacing: one batch per credit the learner grants (<see cref="CreditLease"/>),
/// sampled with the newest parameters held, which are at least as new as the credit asks; so actors produce what the
/// learner will apply, however many there are.
/// </summary>
public sealed class RemoteActor
{
    /// <summary>
    /// Without the parameters a credit asks for for this long, the actor says hello again (its parameter queue may
    /// have been lost with a broker restart), and voids a credit of a learner epoch that is no longer publishing.
    /// </summary>
    public static readonly TimeSpan ResyncAfter = TimeSpan.FromSeconds(3);

    readonly BrokerOptions _broker;
    readonly BrokerTopology _topology;
    readonly TimeSpan _patience;
    readonly TextWriter _log;

    /// <param name="patience">how long to wait for the learner's config at start, and for a new version while running</param>
    public RemoteActor(BrokerOptions broker, RunName run, TimeSpan patience, TextWriter log)
    {
        _broker = broker;
        _topology = new BrokerTopology(run);
        _patience = patience;
        _log = log;
    }

    public ulong ActorId { get; } = RolloutSender.NewActorId();
    string Name => ActorId.ToString("x16", CultureInfo.InvariantCulture)[..6];

    /// <summary>Joins the run and samples until the learner finishes.</summary>
    /// <param name="configure">this actor's overrides (its friction flags), applied to the learner's options</param>
    /// <param name="seed">the actor's random streams (prompts, samples, frictions); default: from the actor id</param>
    /// <param name="record">if given, one line per confirmed rollout (actor, sequence, epoch, version, credit, rows): what this actor sent</param>
    /// <exception cref="BrokerException">no learner answered, or it went silent, for longer than the patience</exception>
    public async Task<RemoteActorResult> RunAsync(Func<TrainOptions, TrainOptions> configure, ulong? seed, CancellationToken cancel, TextWriter? record = null)
    {
        await using var connection = new BrokerConnection(_broker with { ClientName = $"delight-actor-{Name}" });
        await using var subscriber = await ParameterSubscriber.StartAsync(connection, _topology, ActorId, cancel).ConfigureAwait(false);
        var options = configure(await ConfigAsync(subscriber, connection.DisplayUri, cancel).ConfigureAwait(false)) with { Staleness = 0 };
        var session = new TrainingSession(options);
        var policy = session.CreatePolicy();
        var actor = new TokenActor(session.Environment, policy, new Rng(seed ?? ActorId), options.Frictions());
        var layout = ParameterLayout.Of(policy.Parameters);
        var rollout = new Rollout(session.BatchRows, session.Environment.PromptLength, session.Environment.AnswerLength);
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"actor {Name}: joined run '{_topology.Run}' ({options.Task}, {options.Method}, batch {options.PromptsPerBatch}×{options.SamplesPerPrompt}){Describe(actor.Frictions)}"));

        await using var credits = await CreditLease.StartAsync(connection, _topology, cancel).ConfigureAwait(false);
        await using var sender = new RolloutSender(connection, _topology, ActorId);
        using var finishedOrCancelled = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _ = subscriber.Finished.ContinueWith(_ => finishedOrCancelled.Cancel(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var held = new PolicyStamp(0, -1);
        while (await NextCreditAsync(credits, finishedOrCancelled.Token).ConfigureAwait(false) is { } credit)
        {
            if (!await ParametersForAsync(subscriber, credit.Credit, finishedOrCancelled.Token).ConfigureAwait(false))
            {
                // A credit from a learner that no longer exists (requeued when its holder died): void.
                await credits.CompleteAsync(credit, cancel).ConfigureAwait(false);
                continue;
            }
            if (subscriber.TryTakeNewest(layout, policy.Parameters.Values, out PolicyStamp taken)) held = taken;
            actor.Fill(rollout, options.PromptsPerBatch, options.SamplesPerPrompt, held.Version);
            var sequence = sender.NextSequence;
            await sender.SendAsync(rollout, new RolloutStamp(held.Epoch, credit.Credit.Id), cancel).ConfigureAwait(false);
            await credits.CompleteAsync(credit, cancel).ConfigureAwait(false);
            record?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ActorId:x16},{sequence},{held.Epoch:x16},{held.Version},{credit.Credit.Id:x16},{rollout.RowCount}"));
        }
        cancel.ThrowIfCancellationRequested();
        var reason = await subscriber.Finished.ConfigureAwait(false); // rethrows the subscriber's BrokerException
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"actor {Name}: sent {sender.Sent} rollouts; the learner finished ({reason})."));
        return new RemoteActorResult(sender.Sent, reason);
    }

    /// <summary>Waits for the learner's next credit, or the end of the run (null); gives up after the patience.</summary>
    async Task<CreditLease.Held?> NextCreditAsync(CreditLease credits, CancellationToken finishedOrCancelled)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(finishedOrCancelled);
        wait.CancelAfter(_patience);
        try { return await credits.TakeAsync(wait.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!finishedOrCancelled.IsCancellationRequested)
        {
            throw new BrokerException(string.Create(CultureInfo.InvariantCulture,
                $"the learner of run '{_topology.Run}' asked for no batch for {_patience.TotalSeconds:0.#} s; it has stopped (continue it with 'delight learner … --resume') or the broker is unreachable."));
        }
        catch (OperationCanceledException) { return null; }
    }

    /// <summary>
    /// Waits until the parameters the credit asks for have arrived: the granting learner's, at its minimum version or
    /// newer. False when the credit's learner is gone (newer parameters of another epoch keep arriving instead).
    /// </summary>
    async Task<bool> ParametersForAsync(ParameterSubscriber subscriber, Credit credit, CancellationToken finishedOrCancelled)
    {
        var silent = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(finishedOrCancelled);
            wait.CancelAfter(ResyncAfter);
            try
            {
                await subscriber.WaitForAsync(p => p.Epoch == credit.Epoch && p.Version >= credit.MinVersion, wait.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (!finishedOrCancelled.IsCancellationRequested)
            {
                if (subscriber.Newest is { Version: >= 0 } newest && newest.Epoch != credit.Epoch) return false;
                if (silent.Elapsed > _patience)
                    throw new BrokerException(string.Create(CultureInfo.InvariantCulture,
                        $"the learner of run '{_topology.Run}' sent no parameters for {_patience.TotalSeconds:0.#} s; it has stopped (continue it with 'delight learner … --resume') or the broker is unreachable."));
                await subscriber.ResyncAsync(finishedOrCancelled).ConfigureAwait(false);
            }
        }
    }

    async Task<TrainOptions> ConfigAsync(ParameterSubscriber subscriber, string broker, CancellationToken cancel)
    {
        string json;
        try { json = await subscriber.ConfigAsync(cancel).WaitAsync(_patience, cancel).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            throw new BrokerException(string.Create(CultureInfo.InvariantCulture,
                $"no learner answered on run '{_topology.Run}' at {broker} within {_patience.TotalSeconds:0.#} s; start 'delight learner --run {_topology.Run}' (or check --run and --broker)."));
        }
        // Read by exactly the code that reads config.json files.
        return ConfigFile.FromJson(json, $"the config message of run '{_topology.Run}'");
    }

    static string Describe(Frictions.FrictionOptions f) => !f.Any ? "" : string.Create(CultureInfo.InvariantCulture,
        $", frictions: bug {f.Bug.Prob}, discovery {f.Discovery.Prob}, random {f.RandomAnswers.Prob}, reward flip {f.Reward.FlipProb}, reward noise {f.Reward.NoiseStd}, logit noise {f.LogitNoise.Std}");
}
