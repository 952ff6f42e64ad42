using CineKernel.Tests.Support;
using CineKernel.Tools.SelfTest;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>
/// The expectations shipped in the tool (Tools/SelfTest/selftest.safetensors, embedded) are exactly what the float64
/// references and the golden fixtures give for every check (SelfTestExpectations), so they cannot drift from the tests.
/// After changing a check or a reference, rewrite the file with
/// <c>CINEKERNEL_UPDATE_SELFTEST=1 dotnet test -c Release --filter SelfTestDataTests</c>, rebuild and run again.
/// </summary>
public class SelfTestDataTests
{
    private const string UpdateVariable = "CINEKERNEL_UPDATE_SELFTEST";

    private static string SourcePath => Path.Combine(RepositoryPaths.Root, "Tools", "SelfTest", "selftest.safetensors");

    [Test]
    public void EveryCheckHasAUniqueNameAndTheFileHoldsNothingElse()
    {
        var names = SelfTestSuite.All.Select(c => c.Name).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(SelfTestSuite.All.Count(c => c.Quick), Is.InRange(5, names.Count / 3), "--quick is a small subset");
        using var data = SelfTestData.OpenEmbedded();
        var inputs = SelfTestSuite.All.SelectMany(c => SelfTestExpectations.GoldenInputs(c).Select(i => SelfTestData.InputName(c.Name, i.Name)));
        Assert.That(data.Names, Is.EquivalentTo(names.Concat(inputs)));
    }

    [Test]
    public void ShippedExpectationsAreTheReferences()
    {
        var expected = SelfTestExpectations.Build();
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            SafetensorsWriter.Write(SourcePath, expected, new Dictionary<string, string>
            {
                ["note"] = "expectations of cinekernel selftest: per check its expected output (NAME) and, for golden checks, the fixture's " +
                           "inputs (NAME/in.*); written by Tests/Tools/SelfTestDataTests.cs from the float64 references and Tests/Data",
            });
            Assert.Inconclusive($"wrote {SourcePath} ({new FileInfo(SourcePath).Length} bytes); rebuild and run the tests again");
        }
        using var data = SelfTestData.OpenEmbedded();
        Assert.Multiple(() =>
        {
            foreach (var (name, tensor) in expected)
            {
                var shipped = data.Names.Contains(name) ? data.Expected(name) : null;
                Assert.That(shipped, Is.Not.Null, $"{name}: missing from the shipped expectations (set {UpdateVariable}=1 to rewrite them)");
                if (shipped is null) continue;
                Assert.That(shipped.Shape, Is.EqualTo(tensor.Shape), $"{name}: shape");
                Assert.That(shipped.Data, Is.EqualTo(tensor.Data), $"{name}: the shipped values differ from the reference (set {UpdateVariable}=1 to rewrite them)");
            }
        });
    }

    [Test]
    public void TheShippedFileStaysSmall()
    {
        Assert.That(new FileInfo(SourcePath).Length, Is.LessThan(400_000), "a few hundred KB at most: it is embedded in the tool");
    }
}
