using CineKernel.Pipeline.Mask;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

public class MaskVoteTests
{
    [Test]
    public void ArgmaxTakesTheFirstOfEqualLogits()
    {
        float[] logits =
        [
            1f, 2f, 2f,      // tie between sky and fluid → sky (torch.max returns the first)
            3f, 3f, 3f,      // all equal → static
            -1f, -2f, 0.5f,  // fluid
            0f, -0f, -1e-9f, // +0 and −0 are equal → static
        ];
        Assert.That(MaskVote.Argmax(logits), Is.EqualTo(new byte[] { 1, 0, 2, 0 }));
    }

    [Test]
    public void ArgmaxReadsClassPlanesToo()
    {
        // The same four pixels as above, one plane per class.
        float[] planes =
        [
            1f, 3f, -1f, 0f,      // static
            2f, 3f, -2f, -0f,     // sky
            2f, 3f, 0.5f, -1e-9f, // fluid
        ];
        Assert.That(MaskVote.Argmax(planes, 3, LogitLayout.ClassPlanes), Is.EqualTo(new byte[] { 1, 0, 2, 0 }));
    }

    [Test]
    public void MajorityVoteBreaksTiesTowardTheLowestClass()
    {
        // Four models, five pixels: a clear majority, a 2–2 tie between sky and fluid (→ sky), a 2–2
        // tie between fluid and static (→ static), all different with a fourth vote for fluid (→ fluid),
        // unanimity.
        byte[][] labels =
        [
            [1, 1, 2, 0, 2],
            [1, 2, 2, 1, 2],
            [1, 1, 0, 2, 2],
            [0, 2, 0, 2, 2],
        ];
        Assert.That(MaskVote.MajorityVote(labels), Is.EqualTo(new byte[] { 1, 1, 0, 2, 2 }));
    }

    [Test]
    public void ThreeModelsThatAllDisagreeGiveStatic()
    {
        Assert.That(MaskVote.MajorityVote([[2], [1], [0]]), Is.EqualTo(new byte[] { 0 }));
    }

    [TestCase(AnimatedClasses.Sky, new byte[] { 0, 1, 0, 0, 1, 0 })]
    [TestCase(AnimatedClasses.Fluid, new byte[] { 0, 0, 1, 0, 0, 1 })]
    [TestCase(AnimatedClasses.SkyAndFluid, new byte[] { 0, 1, 1, 0, 1, 1 })]
    public void SelectionFollowsTheFlownetMode(AnimatedClasses animated, byte[] expected)
    {
        var mask = MaskVote.SelectAnimated([0, 1, 2, 0, 1, 2], 3, 2, animated);
        Assert.That((mask.Width, mask.Height), Is.EqualTo((3, 2)));
        Assert.That(mask.Pixels, Is.EqualTo(expected));
    }

    [Test]
    public void InitialMaskVotesTheModelsArgmaxes()
    {
        // Two pixels, three models: pixel 0 is sky, sky, fluid → sky; pixel 1 is fluid, static, sky → static.
        float[][] logits =
        [
            [0f, 5f, 1f, 0f, 1f, 9f],
            [0f, 5f, 4f, 7f, 1f, 2f],
            [0f, 1f, 3f, 0f, 8f, 2f],
        ];
        var mask = MaskVote.InitialMask(logits, 2, 1, AnimatedClasses.SkyAndFluid);
        Assert.That(mask.Pixels, Is.EqualTo(new byte[] { 1, 0 }));
    }

    [Test]
    public void InconsistentInputsAreRejected()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => MaskVote.Argmax(new float[7]), Throws.ArgumentException.With.Message.Contains("pixels × 3 classes"));
            Assert.That(() => MaskVote.MajorityVote([[0, 1], [0]]), Throws.ArgumentException.With.Message.Contains("model 1"));
            Assert.That(() => MaskVote.MajorityVote([[3]]), Throws.ArgumentException.With.Message.Contains("class 3"));
            Assert.That(() => MaskVote.SelectAnimated([0, 1, 2], 2, 2, AnimatedClasses.Sky), Throws.ArgumentException.With.Message.Contains("2×2"));
        });
    }
}
