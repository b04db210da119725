using Delight.Numerics;

namespace Delight.Environments.Bandits;

/// <summary>
/// A bandit as a one-step token task: the prompt is one token, the context id c ∈ [0, C) (so
/// <see cref="PromptVocabularySize"/> = C), and the answer is one token, the arm a ∈ [0, K) (<see cref="VocabularySize"/>
/// = K). Stateless: every draw comes from the caller's Rng.
/// Draws: SamplePrompt takes one rng.NextDouble() (inverse CDF of p(c)); Reward takes one draw of the arm's law
/// (<see cref="RewardLaw.Sample"/>).
/// Build it with <see cref="Create"/>, which returns an <see cref="ISupervisedTask"/> (WriteTarget writes y*(c)) when
/// every context has a correct arm.
/// </summary>
public class BanditEnvironment : ITokenEnvironment
{
    /// <summary>Cumulative p(c), [C]; the last entry is forced to 1 so rounding never leaves u past the total.</summary>
    readonly double[] _cumulativeContext;

    BanditEnvironment(IBanditModel model)
    {
        Model = model;
        _cumulativeContext = new double[model.ContextCount];
        var sum = 0.0;
        for (var c = 0; c < model.ContextCount; c++) _cumulativeContext[c] = sum += model.ContextProbability(c);
        _cumulativeContext[^1] = 1.0;
    }

    /// <summary>The environment over <paramref name="model"/>; supervised when every context has a correct arm.</summary>
    public static BanditEnvironment Create(IBanditModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        for (var c = 0; c < model.ContextCount; c++)
            if (model.CorrectAction(c) < 0) return new BanditEnvironment(model);
        return new Supervised(model);
    }

    public IBanditModel Model { get; }
    public IBanditModel? Bandit => Model;
    /// <summary>y*(c), when every context has one best arm (<see cref="Create"/>).</summary>
    public virtual ISupervisedTask? Targets => null;
    public string Name => Model.Name;
    public int VocabularySize => Model.ActionCount;
    public int PromptVocabularySize => Model.ContextCount;
    public int PromptLength => 1;
    public int AnswerLength => 1;

    public void SamplePrompt(Rng rng, Span<int> prompt)
    {
        var u = rng.NextDouble();
        var c = 0;
        while (u >= _cumulativeContext[c]) c++;
        prompt[0] = c;
    }

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
    {
        int c = prompt[0], a = answer[0];
        if ((uint)c >= (uint)Model.ContextCount)
            throw new ArgumentOutOfRangeException(nameof(prompt), $"context {c} is outside [0, {Model.ContextCount}) ({Name}'s context count).");
        if ((uint)a >= (uint)Model.ActionCount)
            throw new ArgumentOutOfRangeException(nameof(answer), $"arm {a} is outside [0, {Model.ActionCount}) ({Name}'s arm count).");
        return (float)Model.Reward(c, a).Sample(rng);
    }

    public double Error(double meanReward) => Model.Error(meanReward);

    sealed class Supervised(IBanditModel model) : BanditEnvironment(model), ISupervisedTask
    {
        public override ISupervisedTask? Targets => this;
        public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => answer[0] = Model.CorrectAction(prompt[0]);
    }
}
