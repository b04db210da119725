using System.CommandLine;
using System.Globalization;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>delight train --task reversal --method pg|dg --steps N --seed S --out DIR</summary>
static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var defaults = new TrainOptions();
        var task = new Option<string>("--task") { Description = "Task: reversal, bit_parity, key_value or subsequence_match.", DefaultValueFactory = _ => defaults.Task };
        var method = new Option<string>("--method") { Description = "Method: pg, dg, is-pg, ppo, pmpo, vaco, kondo (pg behind the Kondo gate) or ce (supervised oracle).", DefaultValueFactory = _ => defaults.Method };
        var steps = new Option<int>("--steps") { Description = "Learner steps.", DefaultValueFactory = _ => defaults.Steps };
        var seed = new Option<ulong>("--seed") { Description = "Run seed; same seed, same metrics.", DefaultValueFactory = _ => defaults.Seed };
        var outDir = new Option<string>("--out") { Description = "Run folder for metrics.jsonl and summary.json.", DefaultValueFactory = _ => "runs/latest" };
        var prompts = new Option<int>("--prompts") { Description = "Prompts per batch.", DefaultValueFactory = _ => defaults.PromptsPerBatch };
        var samples = new Option<int>("--samples") { Description = "Samples per prompt.", DefaultValueFactory = _ => defaults.SamplesPerPrompt };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var eta = new Option<float>("--eta") { Description = "DG gate temperature η (0: hard gate).", DefaultValueFactory = _ => defaults.Eta };
        var lambda = new Option<float>("--lambda") { Description = "DG gate price λ.", DefaultValueFactory = _ => defaults.Lambda };
        var promptLength = new Option<int?>("--prompt-length") { Description = "Prompt length H (default: the task's; 10 for reversal)." };
        var vocab = new Option<int?>("--vocab") { Description = "Vocabulary M (default: the task's; 2 for reversal)." };
        var answerLength = new Option<int?>("--answer-length") { Description = "subsequence_match: answer length." };
        var pairs = new Option<int?>("--pairs") { Description = "key_value: number of key/value pairs." };
        var forward = new Option<bool>("--forward") { Description = "reversal: the target is the prompt copied, not reversed." };
        var increment = new Option<bool>("--increment") { Description = "reversal: target tokens + 1 mod M." };
        var dense = new Option<bool>("--dense") { Description = "reversal: credit every correct position, not only those before the first error." };
        var kappa = new Option<float>("--kappa") { Description = "reversal: R = κ·c + (1 − κ)·1[all correct].", DefaultValueFactory = _ => 1f };
        var landmine = new Option<bool>("--landmine") { Description = "Penalise answers containing the landmine (all zeros)." };
        var landminePenalty = new Option<float>("--landmine-penalty") { Description = "Reward added on a landmine hit.", DefaultValueFactory = _ => -1f };
        var poisonToken = new Option<int?>("--poison-token") { Description = "Penalise answers containing this token." };
        var zeroPromptProb = new Option<float>("--zero-prompt-prob") { Description = "Replace prompts by zeros with this probability." };
        var zeroNoiseStd = new Option<float>("--zero-noise-std") { Description = "Extra reward noise on the all-zeros prompt and answer." };
        var finitePrompts = new Option<int?>("--finite-prompts") { Description = "Draw prompts from a fixed set of this size." };
        var evalRows = new Option<int>("--eval-rows") { Description = "Fresh prompts sampled to measure error before and after.", DefaultValueFactory = _ => defaults.EvaluationRows };
        var logEvery = new Option<int>("--log-every") { Description = "Write metrics every N steps.", DefaultValueFactory = _ => defaults.LogEvery };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the summary." };
        var kondoRate = new Option<float?>("--kondo-rate") { Description = "Kondo gate: keep the top fraction ρ ∈ (0, 1] by priority." };
        var kondoPrice = new Option<float?>("--kondo-price") { Description = "Kondo gate: keep priority > λ (method kondo defaults to λ = 0)." };
        var kondoPriority = new Option<string>("--kondo-priority") { Description = "delight, advantage, abs-advantage, surprisal, uniform or additive.", DefaultValueFactory = _ => defaults.KondoPriority };
        var kondoGranularity = new Option<string>("--kondo-granularity") { Description = "Screen tokens or whole rows.", DefaultValueFactory = _ => defaults.KondoGranularity };
        var kondoStochastic = new Option<bool>("--kondo-stochastic") { Description = "With a price: keep with probability σ(priority − λ)." };
        var truncation = new Option<float?>("--truncation") { Description = "is-pg: truncate importance ratios at ρ̄." };
        var epsilon = new Option<float>("--epsilon") { Description = "ppo: clip ε.", DefaultValueFactory = _ => defaults.Epsilon };
        var beta = new Option<float?>("--beta") { Description = "ppo/pmpo: KL anchor β (default 0 for ppo, 0.1 for pmpo)." };
        var alpha = new Option<float>("--alpha") { Description = "pmpo: weight α of accepted rows.", DefaultValueFactory = _ => defaults.Alpha };
        var gamma = new Option<float>("--gamma") { Description = "pmpo: γ in log(γ + π) of rejected rows.", DefaultValueFactory = _ => defaults.Gamma };
        var delta = new Option<float>("--delta") { Description = "vaco: total-variation filter δ.", DefaultValueFactory = _ => defaults.Delta };
        var dgStochastic = new Option<bool>("--dg-stochastic") { Description = "dg: Bernoulli gate weights." };
        var delightNoise = new Option<float>("--delight-noise") { Description = "dg: Gaussian noise std added to delight." };
        var advantage = new Option<string>("--advantage") { Description = "Baseline: grouped (per prompt), global (batch mean) or expected-confidence (Σπ², one-step tasks).", DefaultValueFactory = _ => defaults.Advantage };
        var staleness = new Option<int>("--staleness") { Description = "Actor samples with parameters up to D versions old." };
        var stalenessMode = new Option<string>("--staleness-mode") { Description = "uniform (lag in [0, D]) or fixed (lag D).", DefaultValueFactory = _ => defaults.StalenessMode };
        var bugProb = new Option<float>("--bug-prob") { Description = "Buggy rows: landmine answer (all zeros), wrong behaviour log-probs." };
        var discoveryProb = new Option<float>("--discovery-prob") { Description = "Rare discovery: the correct answer, wrong behaviour log-probs." };
        var randomProb = new Option<float>("--random-prob") { Description = "Random answers, wrong behaviour log-probs." };
        var rewardFlipProb = new Option<float>("--reward-flip-prob") { Description = "Reward replaced by a fair coin in {0, 1}." };
        var rewardNoiseStd = new Option<float>("--reward-noise-std") { Description = "Gaussian noise added to rewards." };
        var logitNoise = new Option<float>("--logit-noise") { Description = "Fixed Gaussian noise σ·u on the actor's logits." };
        var screen = new Option<string>("--screen") { Description = "exact (learner log-probs) or speculative (actor's, before the forward).", DefaultValueFactory = _ => defaults.Screen };

        var command = new Command("train", "Train a policy synchronously and write metrics.jsonl and summary.json.")
        {
            task, method, steps, seed, outDir, prompts, samples, lr, eta, lambda, promptLength, vocab, evalRows, logEvery, quiet,
            answerLength, pairs, forward, increment, dense, kappa, landmine, landminePenalty, poisonToken, zeroPromptProb, zeroNoiseStd, finitePrompts,
            kondoRate, kondoPrice, kondoPriority, kondoGranularity, kondoStochastic, screen,
            truncation, epsilon, beta, alpha, gamma, delta, dgStochastic, delightNoise, advantage,
            staleness, stalenessMode, bugProb, discoveryProb, randomProb, rewardFlipProb, rewardNoiseStd, logitNoise,
        };
        command.SetAction(parse =>
        {
            var options = new TrainOptions
            {
                Task = parse.GetValue(task)!,
                Method = parse.GetValue(method)!,
                Steps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                PromptsPerBatch = parse.GetValue(prompts),
                SamplesPerPrompt = parse.GetValue(samples),
                LearningRate = parse.GetValue(lr),
                Eta = parse.GetValue(eta),
                Lambda = parse.GetValue(lambda),
                PromptLength = parse.GetValue(promptLength),
                Vocabulary = parse.GetValue(vocab),
                TaskOptions = new Environments.TaskOptions
                {
                    AnswerLength = parse.GetValue(answerLength),
                    NumPairs = parse.GetValue(pairs),
                    TargetReverse = !parse.GetValue(forward),
                    TargetIncrement = parse.GetValue(increment),
                    RewardToFirstError = !parse.GetValue(dense),
                    Kappa = parse.GetValue(kappa),
                    Landmine = parse.GetValue(landmine),
                    LandminePenalty = parse.GetValue(landminePenalty),
                    PoisonToken = parse.GetValue(poisonToken),
                    ZeroPromptProb = parse.GetValue(zeroPromptProb),
                    ZeroNoiseStd = parse.GetValue(zeroNoiseStd),
                    FinitePrompts = parse.GetValue(finitePrompts),
                },
                EvaluationRows = parse.GetValue(evalRows),
                LogEvery = parse.GetValue(logEvery),
                KondoRate = parse.GetValue(kondoRate),
                KondoPrice = parse.GetValue(kondoPrice),
                KondoPriority = parse.GetValue(kondoPriority)!,
                KondoGranularity = parse.GetValue(kondoGranularity)!,
                KondoStochastic = parse.GetValue(kondoStochastic),
                Screen = parse.GetValue(screen)!,
                Truncation = parse.GetValue(truncation),
                Epsilon = parse.GetValue(epsilon),
                Beta = parse.GetValue(beta),
                Alpha = parse.GetValue(alpha),
                Gamma = parse.GetValue(gamma),
                Delta = parse.GetValue(delta),
                DgStochastic = parse.GetValue(dgStochastic),
                DelightNoise = parse.GetValue(delightNoise),
                Advantage = parse.GetValue(advantage)!,
                Staleness = parse.GetValue(staleness),
                StalenessMode = parse.GetValue(stalenessMode)!,
                BugProb = parse.GetValue(bugProb),
                DiscoveryProb = parse.GetValue(discoveryProb),
                RandomProb = parse.GetValue(randomProb),
                RewardFlipProb = parse.GetValue(rewardFlipProb),
                RewardNoiseStd = parse.GetValue(rewardNoiseStd),
                LogitNoise = parse.GetValue(logitNoise),
            };
            return Train(options, parse.GetValue(outDir)!, parse.GetValue(quiet), output);
        });
        return command;
    }

    public static int Train(TrainOptions options, string outDir, bool quiet, TextWriter output)
    {
        options.Validate(); // before the folder is touched: bad input writes nothing
        var trainer = new SynchronousTrainer(options);
        using var run = RunFolder.Create(outDir);
        var inv = CultureInfo.InvariantCulture;
        if (!quiet)
            output.WriteLine(string.Create(inv, $"train {options.Task} with {options.Method}: {options.Steps} steps, batch {options.PromptsPerBatch}×{options.SamplesPerPrompt}, {trainer.Policy.Parameters.Count} parameters, seed {options.Seed}"));
        var reportEvery = Math.Max(1, options.Steps / 10);
        var summary = trainer.Run((step, metrics, wall) =>
        {
            if (step % options.LogEvery == 0 || step == options.Steps) run.WriteStep(step, trainer.Learner.PolicyVersion, metrics, trainer.LastActorMetrics, trainer.Environment.Error(metrics.RewardMean), wall);
            if (!quiet && (step % reportEvery == 0 || step == options.Steps))
                output.WriteLine(string.Create(inv, $"step {step,6}  reward {metrics.RewardMean:F3}  error {trainer.Environment.Error(metrics.RewardMean):F3}  gate {metrics.GateMean:F3}  kept {metrics.KeptRowFraction:F2}  {step / Math.Max(1e-9, wall):F1} steps/s"));
        });
        run.WriteSummary(summary);
        output.WriteLine(string.Create(inv,
            $"error {summary.Initial.Error:F3} → {summary.Final.Error:F3} in {summary.WallSeconds:F1} s ({summary.StepsDone / summary.WallSeconds:F1} steps/s); wrote {Path.Combine(outDir, "summary.json")}"));
        return 0;
    }
}
