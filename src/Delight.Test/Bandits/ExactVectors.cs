using Delight.Diagnostics.Bandits;
using Delight.Environments.Bandits;

namespace Delight.Test.Bandits;

/// <summary>The exact directions as fresh arrays, for tests that compare a handful of them.</summary>
static class ExactVectors
{
    public static double[] Gradient(ExactGradients exact)
    {
        var gradient = new double[exact.ParameterCount];
        exact.TrueGradient(gradient);
        return gradient;
    }

    public static double[] Update(ExactGradients exact, UpdateRule rule, ContaminationOptions contamination = default)
    {
        var update = new double[exact.ParameterCount];
        exact.ExpectedUpdate(rule, contamination, update);
        return update;
    }
}
