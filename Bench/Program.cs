using BenchmarkDotNet.Running;

// dotnet run -c Release --project Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
