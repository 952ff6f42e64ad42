using System.Reflection;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.SelfTest;

/// <summary>
/// The expectations of <c>cinekernel selftest</c>: a safetensors file with one tensor per check named as the check
/// (its expected output) and, for checks that replay a golden fixture, that check's inputs as <c>NAME/in.*</c>.
/// The shipped file, Tools/SelfTest/selftest.safetensors, is embedded in the tool (<see cref="OpenEmbedded"/>); the
/// tests regenerate it from the float64 references and the fixtures and fail if the committed one differs
/// (set CINEKERNEL_UPDATE_SELFTEST=1 to rewrite it). <see cref="Open"/> reads another file (<c>selftest --expected</c>,
/// for the tests that prove a wrong expectation fails).
/// </summary>
public sealed class SelfTestData : IDisposable
{
    /// <summary>The manifest name of the embedded expectations (see CineKernel.Tools.csproj).</summary>
    public const string ResourceName = "CineKernel.Tools.SelfTest.selftest.safetensors";

    private readonly SafetensorsFile file;
    private readonly string? temporary;

    private SelfTestData(SafetensorsFile file, string source, string? temporary)
    {
        this.file = file;
        Source = source;
        this.temporary = temporary;
    }

    /// <summary>Where the expectations come from: "embedded", or the file's path.</summary>
    public string Source { get; }

    /// <summary>Every tensor name in the file.</summary>
    public IReadOnlyCollection<string> Names => file.Names;

    /// <summary>The expectations compiled into the tool.</summary>
    /// <exception cref="InvalidDataException">The tool was built without them.</exception>
    public static SelfTestData OpenEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidDataException($"this build of cinekernel has no embedded {ResourceName}");
        // SafetensorsFile maps a file: copy the resource to a private temporary file, removed on Dispose.
        string path = Path.Combine(Path.GetTempPath(), $"cinekernel-selftest-{Guid.NewGuid():N}.safetensors");
        using (var copy = new FileStream(path, FileMode.CreateNew, FileAccess.Write)) stream.CopyTo(copy);
        try
        {
            return new SelfTestData(SafetensorsFile.Open(path), "embedded", path);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Expectations from a safetensors file of the same layout.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a valid safetensors file.</exception>
    public static SelfTestData Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"expectations file not found: {path}");
        return new SelfTestData(SafetensorsFile.Open(path), path, null);
    }

    /// <summary>The expected output of the check named <paramref name="check"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no expectation for it.</exception>
    public TensorData Expected(string check) => Read(check);

    /// <summary>An input a check replays from a golden fixture, stored as <c>CHECK/in.NAME</c>.</summary>
    /// <exception cref="InvalidDataException">The file does not hold it.</exception>
    public TensorData Input(string check, string name) => Read(InputName(check, name));

    /// <summary>The tensor name of a stored input: <c>CHECK/in.NAME</c>.</summary>
    public static string InputName(string check, string name) => $"{check}/in.{name}";

    private TensorData Read(string name) =>
        file.Contains(name) ? file.Read(name) : throw new InvalidDataException($"{Source}: no tensor '{name}' in the self-test expectations");

    public void Dispose()
    {
        file.Dispose();
        if (temporary is not null) File.Delete(temporary);
    }
}
