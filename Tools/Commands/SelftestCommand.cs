using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CineKernel.Tools.SelfTest;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel selftest [--device D] [--quick]</c>: runs every kernel family and each network at small sizes on the
/// device (default: CINEKERNEL_DEVICE, else auto) and compares the outputs with the expectations embedded in the tool
/// (<see cref="SelfTestData"/>, made from the original's golden fixtures and the float64 references of the tests).
/// One row per check (name, family, max and rms relative error, tolerance, result, milliseconds), then a summary.
/// Exit 0 when every check passes; 1 when any fails, naming the failing checks on stderr in one line.
/// <c>--quick</c> runs the subset marked quick (seconds on a CPU). The undocumented <c>--expected FILE</c> reads the
/// expectations from a file instead (the tests use it to show that a wrong expectation fails).
/// </summary>
public static class SelftestCommand
{
    private sealed class Syntax : CommandSyntax
    {
        public readonly Option<string?> Device = DeviceOption.Create();
        public readonly Option<bool> Quick = CliOptions.Flag("--quick", "run the subset marked quick (seconds on a CPU)");
        // Undocumented: the tests read expectations from a file to show that a wrong one fails.
        public readonly Option<string?> Expected = Hidden(CliOptions.Text("--expected", "FILE", "read the expectations from FILE"));
    }

    private static Option<string?> Hidden(Option<string?> option)
    {
        option.Hidden = true;
        return option;
    }

    /// <summary>The <c>selftest</c> command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var s = new Syntax();
        return s.Build("selftest",
            "Run every kernel family and each network at small sizes on the device and compare with the expectations built into the tool; exit 1 naming any check that fails.",
            "selftest takes no arguments",
            r => Run(DeviceOption.Resolve(r.GetValue(s.Device)), r.GetValue(s.Expected), r.GetValue(s.Quick), stdout, stderr));
    }

    private static int Run(string deviceName, string? expected, bool quick, TextWriter stdout, TextWriter stderr)
    {
        using var data = OpenData(expected);
        var checks = SelfTestSuite.Select(quick);
        using var device = DeviceOption.Open(deviceName);

        int width = Math.Max(5, checks.Max(c => c.Name.Length));
        stdout.WriteLine($"selftest: {checks.Count} checks on {device.Name} ({device.Kind}), expectations {data.Source}");
        stdout.WriteLine("max rel err = max|actual - expected| / max|expected|; rms rel err = ||actual - expected||_2 / ||expected||_2;");
        stdout.WriteLine("a check passes when both are <= its tolerance (tolerance 0: the same bits). ms: upload, compile on first use, run, download.");
        stdout.WriteLine();
        stdout.WriteLine($"{"check".PadRight(width)}  {"family",-13}  {"max rel err",11}  {"rms rel err",11}  {"tolerance",9}  {"result",-6}  {"ms",9}");
        var clock = Stopwatch.StartNew();
        var results = SelfTestSuite.Run(device, data, checks, r =>
        {
            stdout.WriteLine($"{r.Check.Name.PadRight(width)}  {r.Check.Family,-13}  {Format(r.MaxRelativeError),11}  {Format(r.RmsRelativeError),11}  " +
                             $"{Format(r.Check.Tolerance),9}  {(r.Passed ? "pass" : "FAIL"),-6}  {r.Milliseconds.ToString("F1", CultureInfo.InvariantCulture),9}" +
                             (r.Problem is null ? "" : $"  {r.Problem}"));
            stdout.Flush();
        });
        var failed = results.Where(r => !r.Passed).ToList();
        stdout.WriteLine();
        stdout.WriteLine($"summary: {results.Count - failed.Count} passed, {failed.Count} failed, {results.Count} checks in " +
                         $"{clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s on {device.Name} ({device.Kind})");
        if (failed.Count == 0) return 0;
        stderr.WriteLine($"cinekernel: selftest failed: {failed.Count} of {results.Count} checks: {string.Join(", ", failed.Select(r => r.Check.Name))}");
        return 1;
    }

    private static SelfTestData OpenData(string? path)
    {
        try
        {
            return path is null ? SelfTestData.OpenEmbedded() : SelfTestData.Open(path);
        }
        catch (FileNotFoundException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static string Format(double v) =>
        double.IsNaN(v) ? "-" : v == 0 ? "0" : v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
