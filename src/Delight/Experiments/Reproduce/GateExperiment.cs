using System.Text.Json.Nodes;
using Delight.Learning;
using Delight.Losses;
using Delight.Reports;
using static Delight.Experiments.Reproduce.Cells;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// The delight gate's limits (papers.md §0 and claim 1): the gate σ((χ − λ)/η) and the weight w·U on ∇log π(a) for
/// rare and common successes and failures, at the paper's η = 1, the hard gate η = 0 (the "enlightened" limit), a
/// large η (the "hedonic" limit, ½·PG) and a few prices λ. Every gate comes from <see cref="DelightfulPg"/>'s own
/// Coefficients, so the table is what the learner does; the closed form beside it is computed independently.
/// </summary>
public sealed class GateExperiment : IExperiment
{
    /// <summary>Advantages ±½: the distributed paper's analysis (papers.md §2.3, Lemma 1).</summary>
    public const double Advantage = 0.5;
    /// <summary>π(a) of a rare action (ℓ ≈ 6.9) and of a common one (ℓ ≈ 0.01).</summary>
    public const double RareProbability = 1e-3, CommonProbability = 0.99;
    /// <summary>Stands in for η → ∞: χ/η is below 1e-3 for every case in the table.</summary>
    public const double LargeTemperature = 1e4;

    public string Name => "gate";
    public string Description => "the delight gate's limits (rare/common success/failure; η → 0, η → ∞, λ), from DelightfulPg's own code";

    /// <summary>(η, λ, why this setting is in the table).</summary>
    public static IReadOnlyList<(double Eta, double Lambda, string Why)> Settings { get; } =
    [
        (1, 0, "the papers' η = 1"),
        (0.01, 0, "η → 0"),
        (0, 0, "η = 0: hard gate (Kondo's zero price)"),
        (LargeTemperature, 0, "η → ∞: ½·PG"),
        (1, 1e-6, "egg distributed runs' λ"),
        (1, 1, "price λ = 1"),
        (1, -1, "price λ = −1"),
    ];

    public static IReadOnlyList<(string Case, double U, double Probability)> Cases { get; } =
    [
        ("rare success", Advantage, RareProbability),
        ("rare failure", -Advantage, RareProbability),
        ("common success", Advantage, CommonProbability),
        ("common failure", -Advantage, CommonProbability),
    ];

    public ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log)
    {
        var rows = new List<IReadOnlyList<string>>();
        var raw = new JsonArray();
        foreach (var (eta, lambda, why) in Settings)
        {
            var gates = LearnerGates(eta, lambda, Cases.Select(c => c.U).ToArray(), Cases.Select(c => c.Probability).ToArray());
            for (var i = 0; i < Cases.Count; i++)
            {
                var (name, u, p) = Cases[i];
                var chi = u * -Math.Log(p);
                var closed = ClosedFormGate(chi, eta, lambda);
                rows.Add([Invariant($"{eta:G4}, {lambda:G4} ({why})"), name, Fixed(u, 1), General(p), Fixed(chi, 4),
                    Fixed(gates[i], 4), Fixed(closed, 4), Fixed(gates[i] * u, 4), Fixed(u, 1), PaperExpectation(name, eta, lambda, p)]);
                raw.Add(new JsonObject
                {
                    ["eta"] = eta, ["lambda"] = lambda, ["case"] = name, ["advantage"] = u, ["probability"] = p,
                    ["delight"] = chi, ["gate"] = gates[i], ["closedFormGate"] = closed, ["weight"] = gates[i] * u,
                });
            }
        }
        var table = new ResultTable("Gate and weight per case (U = ±½; gate from DelightfulPg.Coefficients, float)",
            ["η, λ", "case", "U", "π(a)", "χ = U·ℓ", "gate w (learner)", "σ((χ−λ)/η) closed form", "weight w·U", "PG weight U", "paper (§0, claim 1)"], rows);

        var plot = ExperimentFiles.WritePlot(outDirectory, "gate-vs-probability.svg", GatePlot(scale == ReproduceScale.Full ? 121 : 25));
        log.WriteLine(Invariant($"gate: {rows.Count} rows; wrote {outDirectory}"));
        var report = new ExperimentReport
        {
            Name = Name,
            Title = "gate: the delight gate's limits",
            Setup = "The gate w = σ((χ − λ)/η), χ = U·ℓ, ℓ = −log π(a), and the weight w·U it puts on ∇log π(a), for advantages "
                + "U = ±½ (the distributed paper's analysis) on a rare action (π(a) = 0.001) and a common one (π(a) = 0.99). "
                + "The learner's column is DelightfulPg.Coefficients run on these four rows (float, as in training); the closed "
                + "form is evaluated separately in double. η = 10⁴ stands in for η → ∞.",
            Seeds = "none: an exact computation (no sampling).",
            Tables = [table],
            Plots = [plot],
            Papers = "papers.md §0 and claim 1 [P][S]: rare success w → 1; rare failure w → 0 with w ≤ π(a)^(1/(2η)) at U = −½ "
                + "(Lemma 1 of the distributed paper); common action w ≈ ½; η → ∞ gives w = ½ (PG up to a factor of 2); η → 0 "
                + "gives the indicator 1[χ > λ].",
            Comparison = Comparison(),
        };
        ExperimentFiles.WriteReport(outDirectory, report, new JsonObject { ["rows"] = raw });
        return report;
    }

    /// <summary>The comparison with papers.md §0, written from the learner's gates so it cannot drift from the table.</summary>
    static string Comparison()
    {
        var u = Cases.Select(c => c.U).ToArray();
        var p = Cases.Select(c => c.Probability).ToArray();
        var paper = LearnerGates(1, 0, u, p);
        var hedonic = LearnerGates(LargeTemperature, 0, u, p);
        var hard = LearnerGates(0, 0, u, p);
        var bound = Math.Sqrt(RareProbability);
        var holds = paper[0] > 0.9 && paper[1] <= bound && Math.Abs(paper[2] - 0.5) < 0.02 && Math.Abs(paper[3] - 0.5) < 0.02
            && hedonic.All(g => Math.Abs(g - 0.5) < 1e-3) && hard.SequenceEqual([1f, 0f, 1f, 0f]);
        var verdict = holds ? "Every limit holds in the learner's own code" : "NOT every limit holds: read the table";
        return Invariant($"{verdict}: at η = 1 the rare success gets w = {paper[0]:F3} and the rare failure {paper[1]:F4} ")
            + Invariant($"(Lemma 1's bound π(a)^(1/2) = {bound:F4}); the common success and failure get {paper[2]:F3} and {paper[3]:F3}; ")
            + Invariant($"η = 10⁴ gives {hedonic.Min():F4}–{hedonic.Max():F4}; η = 0 gives the indicator ({string.Join(", ", hard)}). ")
            + "The papers give no numbers beyond these limits, so there is nothing further to compare. A positive price λ = 1 "
            + "pushes the common success below ½ (too little delight to pay the price): that is the Kondo paper's screening, "
            + "not a departure from DG.";
    }

    /// <summary>The gate DelightfulPg's Coefficients puts on each (U, π(a)) row: coefficient / U.</summary>
    public static float[] LearnerGates(double eta, double lambda, double[] advantages, double[] probabilities)
    {
        var n = advantages.Length;
        var u = new float[n];
        var surprisal = new float[n];
        var delight = new float[n];
        for (var i = 0; i < n; i++)
        {
            u[i] = (float)advantages[i];
            surprisal[i] = (float)-Math.Log(probabilities[i]);
            delight[i] = u[i] * surprisal[i];  // χ as the learner forms it (Signals: U·ℓ per token)
        }
        var coefficients = new float[n];
        new DelightfulPg((float)eta, (float)lambda).Coefficients(new Signals(u, surprisal, delight, n, 1), coefficients, out _);
        var gates = new float[n];
        for (var i = 0; i < n; i++) gates[i] = coefficients[i] / u[i];
        return gates;
    }

    /// <summary>σ((χ − λ)/η), or 1[χ &gt; λ] at η = 0, in double.</summary>
    public static double ClosedFormGate(double chi, double eta, double lambda)
        => eta == 0 ? (chi > lambda ? 1 : 0) : 1 / (1 + Math.Exp(-(chi - lambda) / eta));

    /// <summary>What papers.md §0 says this cell should be.</summary>
    static string PaperExpectation(string name, double eta, double lambda, double probability)
    {
        if (eta == LargeTemperature) return "½ (η → ∞: PG/2)";
        if (eta == 0) return "1[χ > λ]";
        if (lambda != 0) return "σ((χ − λ)/η) (no number given)";
        var rare = probability == RareProbability;
        return name switch
        {
            "rare success" => eta <= 1 ? "→ 1" : "> ½",
            "rare failure" => Invariant($"→ 0, ≤ π^(1/2η) = {Math.Pow(probability, 1 / (2 * eta)):F4}"),
            _ => rare ? "—" : "≈ ½",
        };
    }

    /// <summary>The learner's gate against π(a) for U = ±½ at several η, with Lemma 1's bound at η = 1.</summary>
    static LinePlot GatePlot(int points)
    {
        var probabilities = Enumerable.Range(0, points).Select(i => Math.Pow(10, -6 + 6.0 * i / (points - 1) * 0.999)).ToArray();
        var series = new List<PlotSeries>();
        var etas = new[] { 0.5, 1, 2 };
        for (var e = 0; e < etas.Length; e++)
            foreach (var u in new[] { Advantage, -Advantage })
            {
                var gates = LearnerGates(etas[e], 0, [.. probabilities.Select(_ => u)], probabilities);
                var label = Invariant($"{(u > 0 ? "success" : "failure")}, η = {etas[e]:G3}");
                series.Add(new PlotSeries(label, e + (u > 0 ? 0 : 7), probabilities, [.. gates.Select(g => (double)g)]));
            }
        series.Add(new PlotSeries("Lemma 1 bound π^(1/2), η = 1", 6, probabilities, [.. probabilities.Select(Math.Sqrt)]));
        return new LinePlot("DG gate σ(U·ℓ/η) vs π(a), U = ±½ (learner code)", "π(a) of the sampled action", "gate w", series, AxisScale.Log);
    }
}
