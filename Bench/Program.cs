using CineKernel.Bench;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project Bench -- --filter '*'     (BenchmarkDotNet)
// dotnet run -c Release --project Bench -- table            (forward, once, frame and the README demo as medians)
if (args.Length > 0 && args[0] == "table")
{
    try
    {
        return SpeedTable.Run(args[1..]);
    }
    catch (Exception e) when (e is ArgumentException or FormatException)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
