using CineKernel.Pipeline.IO;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>Files that join a folder together (the previews): hidden until published, merged into the folder, gone when not.</summary>
public class StagedFolderTests
{
    private string root = "";

    [SetUp]
    public void CreateRoot() => Directory.CreateDirectory(root = Path.Combine(Path.GetTempPath(), "cinekernel-tests", "staged-" + Guid.NewGuid().ToString("N")[..8]));

    [TearDown]
    public void DeleteRoot() => Directory.Delete(root, recursive: true);

    [Test]
    public void PublishMovesTheFilesIntoTheFolderReplacingOnlyThoseOfTheSameName()
    {
        string dest = Path.Combine(root, "preview");
        Directory.CreateDirectory(dest);
        File.WriteAllText(Path.Combine(dest, "flow.png"), "old");
        File.WriteAllText(Path.Combine(dest, "notes.txt"), "mine");
        using var staged = StagedFolder.Create(dest);
        Assert.That(Path.GetFileName(staged.Path), Does.StartWith(".preview.").And.EndWith(".partial"));
        Assert.That(Path.GetDirectoryName(staged.Path), Is.EqualTo(root), "beside the destination: one rename per file");
        File.WriteAllText(Path.Combine(staged.Path, "flow.png"), "new");
        File.WriteAllText(Path.Combine(staged.Path, "frame_first.png"), "first");
        Assert.That(File.ReadAllText(Path.Combine(dest, "flow.png")), Is.EqualTo("old"), "nothing joins before the publish");

        staged.Publish();
        Assert.That(File.ReadAllText(Path.Combine(dest, "flow.png")), Is.EqualTo("new"));
        Assert.That(File.ReadAllText(Path.Combine(dest, "frame_first.png")), Is.EqualTo("first"));
        Assert.That(File.ReadAllText(Path.Combine(dest, "notes.txt")), Is.EqualTo("mine"));
        Assert.That(Directory.GetFileSystemEntries(root), Is.EquivalentTo(new[] { dest }), "no hidden folder left");
    }

    [Test]
    public void PublishCreatesAMissingFolderAndDisposeWithoutPublishLeavesNothing()
    {
        string dest = Path.Combine(root, "new");
        using (var staged = StagedFolder.Create(dest))
        {
            File.WriteAllText(Path.Combine(staged.Path, "a.png"), "a");
            staged.Publish();
        }
        Assert.That(File.Exists(Path.Combine(dest, "a.png")));

        string abandoned = Path.Combine(root, "abandoned");
        using (var staged = StagedFolder.Create(abandoned)) File.WriteAllText(Path.Combine(staged.Path, "b.png"), "b");
        Assert.That(Directory.Exists(abandoned), Is.False);
        Assert.That(Directory.GetFileSystemEntries(root), Is.EquivalentTo(new[] { dest }));
    }

    [Test]
    public void AFileInTheWayOrAMissingParentIsRefusedBeforeAnythingIsWritten()
    {
        string file = Path.Combine(root, "taken");
        File.WriteAllText(file, "x");
        Assert.That(() => StagedFolder.Create(file), Throws.TypeOf<MediaFileException>().With.Message.Contains("a file of that name exists"));
        Assert.That(() => StagedFolder.Create(Path.Combine(root, "no", "such")), Throws.TypeOf<MediaFileException>().With.Message.Contains("does not exist"));
        Assert.That(Directory.GetFileSystemEntries(root), Is.EquivalentTo(new[] { file }));
    }
}
