using CineKernel.Tests.Tools;
using CineKernel.Tools;
using CineKernel.Tools.Studio;
using NUnit.Framework;

namespace CineKernel.Tests.Studio;

/// <summary><c>cinekernel studio</c>'s options: defaults, and one-line usage errors before anything starts.</summary>
[TestFixture]
public class StudioOptionsTests : CliTestBase
{
    [Test]
    public void Defaults_AreLoopbackAndTheDefaultPort()
    {
        var o = StudioOptions.Parse(["--device", "cpu"]);
        Assert.That((o.Host, o.Port, o.WeightsDir, o.Device), Is.EqualTo(("127.0.0.1", StudioOptions.DefaultPort, (string?)null, "cpu")));
        Assert.That(StudioOptions.Parse(["--host", "0.0.0.0", "--port", "0"]).Host, Is.EqualTo("0.0.0.0"));
    }

    [TestCase("--port", "70000", "--port must be between")]
    [TestCase("--port", "x", "--port expects an integer")]
    [TestCase("--host", "evil.example", "--host must be an IP address")]
    [TestCase("--weights", "/no/such/folder", "weights folder not found")]
    [TestCase("--device", "abacus", "unknown device")]
    [TestCase("--bogus", "1", "unknown option")]
    public void BadOptions_AreOneLineErrors(string option, string value, string message)
    {
        var (exit, _, err) = Run("studio", option, value);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(err, Does.StartWith("cinekernel: error: ").And.Contain(message));
        Assert.That(err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }
}
