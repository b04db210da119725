using System.Globalization;
using Delight.Actors;
using Delight.Numerics;
using Delight.Runtime;

namespace Delight.Distributed;

/// <summary>How a remote actor ended: rollouts the broker confirmed, and the learner's reason for finishing.</summary>
public readonly record struct RemoteActorResult(long Sent, string FinishReason);

/// <summary>
/// One actor process of a distributed run. It knows only the transport (<see cref="IActorTransport"/>) and the run name: the task, batch shape and
/// policy architecture come from the learner's config message (the resolved options, as in config.json), with this
/// actor's own friction flags applied on top. Pacing: one batch per credit the learner grants (<see cref="IActorTransport.TakeCreditAsync"/>),
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

    readonly ITransportConnector _transport;
    readonly RunName _run;
    readonly TimeSpan _patience;
    readonly TextWriter _log;

    /// <param name="patience">how long to wait for the learner's config at start, and for a new version while running</param>
    /// <param name="transport">the message engine the run goes through (e.g. RabbitMQ's connector)</param>
    public RemoteActor(ITransportConnector transport, RunName run, TimeSpan patience, TextWriter log)
    {
        _transport = transport;
        _run = run;
        _patience = patience;
        _log = log;
    }

    public ulong ActorId { get; } = NewActorId();

    /// <summary>A random actor id: ids name an actor's rollouts (with its sequence numbers), so they must not collide.</summary>
    public static ulong NewActorId() => (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
    string Name => ActorId.ToString("x16", CultureInfo.InvariantCulture)[..6];

    /// <summary>Joins the run and samples until the learner finishes.</summary>
    /// <param name="configure">this actor's overrides (its friction flags), applied to the learner's options</param>
    /// <param name="seed">the actor's random streams (prompts, samples, frictions); default: from the actor id</param>
    /// <param name="record">if given, one line per confirmed rollout (actor, sequence, epoch, version, credit, rows): what this actor sent</param>
    /// <exception cref="BrokerException">no learner answered, or it went silent, for longer than the patience</exception>
    public async Task<RemoteActorResult> RunAsync(Func<TrainOptions, TrainOptions> configure, ulong? seed, CancellationToken cancel, TextWriter? record = null)
    {
        await using var transport = await _transport.ConnectActorAsync(_run, ActorId, cancel).ConfigureAwait(false);
        var options0 = configure(await ConfigAsync(transport, cancel).ConfigureAwait(false));
        var options = options0 with { Frictions = options0.Frictions with { Staleness = new() } };
        // Only what an actor needs: no learner, optimizer moments or evaluator.
        var components = new RunComponents(options);
        var policy = components.CreatePolicy();
        var actor = components.CreateActor(policy, "actor", rng: new Rng(seed ?? ActorId));
        var layout = ParameterLayout.Of(policy.Parameters);
        var rollout = components.CreateRollout();
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"actor {Name}: joined run '{_run}' ({options.Task.Name}, {KebabCase.Of(options.Loss.Method)}, batch {options.PromptsPerBatch}×{options.SamplesPerPrompt}){Describe(actor.Frictions)}"));

        using var finishedOrCancelled = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _ = transport.Finished.ContinueWith(_ => finishedOrCancelled.Cancel(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var held = new PolicyStamp(0, -1);
        while (await NextCreditAsync(transport, finishedOrCancelled.Token).ConfigureAwait(false) is { } credit)
        {
            var ready = await ParametersForAsync(transport, credit.Credit, finishedOrCancelled.Token).ConfigureAwait(false);
            if (ready is null) break; // the run ended (or Ctrl-C) while this actor waited for the credit's parameters
            if (ready == false)
            {
                // A credit from a learner that no longer exists (requeued when its holder died): void.
                await transport.CompleteCreditAsync(credit, cancel).ConfigureAwait(false);
                continue;
            }
            if (transport.TryTakeNewestParameters(layout, policy.Parameters.Values, out PolicyStamp taken)) held = taken;
            actor.Fill(rollout, options.PromptsPerBatch, options.SamplesPerPrompt, held.Version);
            var sequence = transport.NextSequence;
            await transport.SendAsync(rollout, new RolloutStamp(held.Epoch, credit.Credit.Id), cancel).ConfigureAwait(false);
            await transport.CompleteCreditAsync(credit, cancel).ConfigureAwait(false);
            record?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ActorId:x16},{sequence},{held.Epoch:x16},{held.Version},{credit.Credit.Id:x16},{rollout.RowCount}"));
        }
        cancel.ThrowIfCancellationRequested();
        var reason = await transport.Finished.ConfigureAwait(false); // rethrows the transport's BrokerException
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"actor {Name}: sent {transport.Sent} rollouts; the learner finished ({reason})."));
        return new RemoteActorResult(transport.Sent, reason);
    }

    /// <summary>Waits for the learner's next credit, or the end of the run (null); gives up after the patience.</summary>
    async Task<HeldCredit?> NextCreditAsync(IActorTransport transport, CancellationToken finishedOrCancelled)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(finishedOrCancelled);
        wait.CancelAfter(_patience);
        try { return await transport.TakeCreditAsync(wait.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!finishedOrCancelled.IsCancellationRequested)
        {
            throw new BrokerException(string.Create(CultureInfo.InvariantCulture,
                $"the learner of run '{_run}' asked for no batch for {_patience.TotalSeconds:0.#} s; it has stopped (continue it with 'delight learner … --resume') or the broker is unreachable."));
        }
        catch (OperationCanceledException) { return null; }
    }

    /// <summary>
    /// Waits until the parameters the credit asks for have arrived: the granting learner's, at its minimum version or
    /// newer. False when the credit's learner is gone (newer parameters of another epoch keep arriving instead); null
    /// when the run ends (or the actor is cancelled) meanwhile.
    /// </summary>
    async Task<bool?> ParametersForAsync(IActorTransport transport, Credit credit, CancellationToken finishedOrCancelled)
    {
        try { return await WaitForParametersAsync(transport, credit, finishedOrCancelled).ConfigureAwait(false); }
        catch (OperationCanceledException) when (finishedOrCancelled.IsCancellationRequested) { return null; }
    }

    async Task<bool> WaitForParametersAsync(IActorTransport transport, Credit credit, CancellationToken finishedOrCancelled)
    {
        var silent = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(finishedOrCancelled);
            wait.CancelAfter(ResyncAfter);
            try
            {
                await transport.WaitForParametersAsync(p => p.Epoch == credit.Epoch && p.Version >= credit.MinVersion, wait.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (!finishedOrCancelled.IsCancellationRequested)
            {
                if (transport.NewestParameters is { Version: >= 0 } newest && newest.Epoch != credit.Epoch) return false;
                if (silent.Elapsed > _patience)
                    throw new BrokerException(string.Create(CultureInfo.InvariantCulture,
                        $"the learner of run '{_run}' sent no parameters for {_patience.TotalSeconds:0.#} s; it has stopped (continue it with 'delight learner … --resume') or the broker is unreachable."));
                await transport.ResyncAsync(finishedOrCancelled).ConfigureAwait(false);
            }
        }
    }

    async Task<TrainOptions> ConfigAsync(IActorTransport transport, CancellationToken cancel)
    {
        string json;
        try { json = await transport.ConfigAsync(cancel).WaitAsync(_patience, cancel).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            throw new BrokerException(string.Create(CultureInfo.InvariantCulture,
                $"no learner answered on run '{_run}' at {_transport.Address} within {_patience.TotalSeconds:0.#} s; start 'delight learner --run {_run}' (or check --run and --broker)."));
        }
        // Read by exactly the code that reads config.json files.
        return ConfigFile.FromJson(json, $"the config message of run '{_run}'");
    }

    static string Describe(Frictions.FrictionOptions f) => !f.Any ? "" : string.Create(CultureInfo.InvariantCulture,
        $", frictions: bug {f.Bug.Prob}, discovery {f.Discovery.Prob}, random {f.RandomAnswers.Prob}, reward flip {f.Reward.FlipProb}, reward noise {f.Reward.NoiseStd}, logit noise {f.LogitNoise.Std}");
}
