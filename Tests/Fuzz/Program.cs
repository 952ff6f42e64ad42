using System.Diagnostics;
using CineKernel.Fuzz;
using SharpFuzz;

// The fuzz harness (see README.md beside this file):
//   run TARGET --repo ROOT             the AFL++ target: each input is written to a file and parsed (persistent mode)
//   seeds TARGET DIR --repo ROOT       writes the starting corpus, made from the repository's files
//   replay TARGET FILE... --repo ROOT  parses saved inputs outside AFL++ and says what each came to
//   list                               the target names
var arguments = args.ToList();
string root = Directory.GetCurrentDirectory();
int repoAt = arguments.IndexOf("--repo");
if (repoAt >= 0 && repoAt + 1 < arguments.Count)
{
    root = Path.GetFullPath(arguments[repoAt + 1]);
    arguments.RemoveRange(repoAt, 2);
}
if (!File.Exists(Path.Combine(root, "CineKernel.sln")))
{
    Console.Error.WriteLine($"{root} is not the repository root (no CineKernel.sln); pass --repo ROOT");
    return 2;
}
var targets = FuzzTargets.Create(root);
if (arguments is ["list"])
{
    foreach (var t in targets) Console.WriteLine($"{t.Name,-14} {t.Description}");
    return 0;
}
if (arguments.Count < 2 || targets.FirstOrDefault(t => t.Name == arguments[1]) is not { } target)
{
    Console.Error.WriteLine($"usage: CineKernel.Fuzz run|seeds|replay TARGET [DIR|FILE...] [--repo ROOT]; targets: {string.Join(", ", targets.Select(t => t.Name))}");
    return 2;
}

switch (arguments[0])
{
    case "seeds" when arguments.Count == 3:
        Directory.CreateDirectory(arguments[2]);
        foreach (var (name, bytes) in target.Seeds()) File.WriteAllBytes(Path.Combine(arguments[2], name), bytes);
        return 0;

    case "replay":
        int findings = 0;
        foreach (string input in arguments.Skip(2))
        {
            string work = WorkFile(target);
            File.WriteAllBytes(work, target.Prepare(File.ReadAllBytes(input)));
            var clock = Stopwatch.StartNew();
            try
            {
                var result = target.Check(work);
                Console.WriteLine($"{input}: {(result.Accepted ? "accepted" : "refused")} in {clock.ElapsedMilliseconds} ms, " +
                                  $"{result.Allocated} bytes allocated{(result.Accepted ? "" : ": " + result.Refusal)}");
            }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"{input}: FINDING after {clock.ElapsedMilliseconds} ms: {e}");
            }
            finally
            {
                File.Delete(work);
            }
        }
        return findings == 0 ? 0 : 1;

    case "run":
        string file = WorkFile(target);
        var buffer = new MemoryStream();
        bool warm = false;
        // Nothing instrumented may run before Fuzzer.Run attaches AFL++'s coverage map.
        Fuzzer.Run(stream =>
        {
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            File.WriteAllBytes(file, target.Prepare(buffer.ToArray()));
            if (!warm)
            {
                // Type initialisers and first calls allocate: parse once unmeasured.
                warm = true;
                try { target.Parse(file); } catch (Exception e) when (target.Refusal.IsInstanceOfType(e)) { }
            }
            target.Check(file);
        });
        return 0;

    default:
        Console.Error.WriteLine("usage: CineKernel.Fuzz run|seeds|replay TARGET [DIR|FILE...] [--repo ROOT]");
        return 2;
}

// A file per process, in memory where the system has a tmpfs.
static string WorkFile(FuzzTarget target)
{
    string dir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
    return Path.Combine(dir, $"cinekernel-fuzz-{target.Name}-{Environment.ProcessId}");
}
