namespace Delight.Losses;

// Supervised cross-entropy oracle, for tasks that know the answer (reversal targets, MNIST labels):
//   loss = −(1/N) Σ_t log π_θ(y_t)      y = the correct answer, teacher-forced
//   coefficient on ∇log π(y_t) = 1
// The learner sees the correct answers in place of the samples (the trainer swaps them in), so this is the
// direction every policy-gradient method is compared with, not a reinforcement-learning method.
public sealed class CrossEntropy : ILoss
{
    public string Name => "ce";
    public bool NeedsBehaviourLogProbs => false;
    public bool LearnsFromTargets => true;

    public void Coefficients(in Learning.Signals signals, Span<float> coefficients, out Learning.LossStatistics statistics)
    {
        coefficients[..(signals.RowCount * signals.TokensPerRow)].Fill(1f);
        statistics = Learning.LossStatistics.Ungated;
    }
}
