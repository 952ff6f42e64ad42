namespace CineKernel.Tools.SelfTest;

/// <summary>
/// What one check gave: its errors (<see cref="SelfTestComparison"/>, NaN when it failed to run), whether it passed,
/// the wall time in milliseconds (upload, kernel compilation on first use, run, download), and the problem, if any,
/// in one line (an exception's message, a length mismatch, a non-finite value).
/// </summary>
public sealed record SelfTestResult(SelfTestCheck Check, double MaxRelativeError, double RmsRelativeError, bool Passed,
    double Milliseconds, string? Problem);
