using NUnit.Framework;

namespace CineKernel.Tests.Support;

/// <summary>Where the checkout and the other projects' build outputs are, found from the test binaries.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding CineKernel.sln, above the test directory.</summary>
    /// <exception cref="DirectoryNotFoundException">The tests do not run from inside a checkout.</exception>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CineKernel.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("no CineKernel.sln above the test directory");
        }
    }

    /// <summary>A project's output folder for this build (the tests' own bin/CONFIGURATION/TFM, e.g. Bench/bin/Release/net10.0).</summary>
    public static string BuildOutput(string project) =>
        Path.Combine(Root, project, Path.GetRelativePath(Path.Combine(Root, "Tests"), TestContext.CurrentContext.TestDirectory));
}
