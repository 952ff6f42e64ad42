using NUnit.Framework;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>A fresh <see cref="IoTestFiles"/> folder for every test, removed after it.</summary>
public abstract class IoTestBase
{
    private protected IoTestFiles files = null!;

    [SetUp]
    public void CreateFiles() => files = new IoTestFiles();

    [TearDown]
    public void RemoveFiles() => files.Dispose();
}
