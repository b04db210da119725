using BenchmarkDotNet.Running;

// dotnet run -c Release --project src/Delight.Benchmarks -- --filter '*'   (or a class name, e.g. '*Step*')
BenchmarkSwitcher.FromAssembly(typeof(Delight.Benchmarks.StepBenchmarks).Assembly).Run(args);
