using Delight.Diagnostics;
using Delight.Numerics;

namespace Delight.Test.Learning;

/// <summary>The step loop allocates nothing once warm, and a saturated policy produces no subnormal floats.</summary>
public class StepAllocationTest
{
    [Fact]
    public void StepAllocationTest_ReversalDgStep_AllocatesNothing()
    {
        var workload = new ReversalWorkload();
        for (var i = 0; i < 60; i++) workload.DgStep(); // past tiered-JIT recompilation, which allocates
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++) workload.DgStep();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void StepAllocationTest_MnistDgStep_AllocatesNothing()
    {
        var workload = new MnistWorkload();
        for (var i = 0; i < 60; i++) workload.DgStep(); // past tiered-JIT recompilation, which allocates
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) workload.DgStep();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void StepAllocationTest_PeakedPolicy_NoSubnormalsInGradientsOrOptimizer()
    {
        var workload = new ReversalWorkload(peaked: true);
        for (var i = 0; i < 5; i++) workload.Learn();
        Assert.Equal(0, Denormals.CountSubnormal(workload.Policy.Parameters.Gradients));
        Assert.Equal(0, Denormals.CountSubnormal(workload.Policy.Parameters.Values));
        workload.Sample();
    }
}
