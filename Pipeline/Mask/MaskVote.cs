namespace CineKernel.Pipeline.Mask;

/// <summary>
/// From the per-pixel logits of an ensemble of DatasetGAN classifiers to the initial animation mask,
/// as <c>predict_mask</c> in the original utils/utils.py does it (DESIGN.md "Mask predictor"): each
/// model's class per pixel is its largest logit, the models vote per pixel (the most frequent class,
/// ties to the lowest class, as scipy.stats.mode), and the chosen classes become 1.
/// Classes: 0 static, 1 sky, 2 fluid.
/// </summary>
public static class MaskVote
{
    public const int ClassCount = 3;

    /// <summary>
    /// The class of each pixel: the index of its largest logit, the first on ties (torch.max).
    /// The original takes the argmax of log_softmax of the logits; log_softmax only subtracts a per-pixel
    /// constant, so the order is the same up to float32 rounding of that subtraction.
    /// </summary>
    public static byte[] Argmax(ReadOnlySpan<float> logits, int classes = ClassCount, LogitLayout layout = LogitLayout.PixelRows)
    {
        if (classes is < 1 or > 255 || logits.Length % classes != 0)
            throw new ArgumentException($"mask vote: {logits.Length} logits are not pixels × {classes} classes");
        int pixels = logits.Length / classes;
        // Logit of class c at pixel p is at p·pixelStride + c·classStride.
        var (pixelStride, classStride) = layout == LogitLayout.PixelRows ? (classes, 1) : (1, pixels);
        var labels = new byte[pixels];
        for (int p = 0; p < pixels; p++)
        {
            int best = 0;
            float bestLogit = logits[p * pixelStride];
            for (int c = 1; c < classes; c++)
            {
                float logit = logits[p * pixelStride + c * classStride];
                if (logit > bestLogit) (best, bestLogit) = (c, logit);
            }
            labels[p] = (byte)best;
        }
        return labels;
    }

    /// <summary>Per pixel, the class most models chose; on a tie the lowest of the tied classes.</summary>
    public static byte[] MajorityVote(IReadOnlyList<byte[]> labelsPerModel, int classes = ClassCount)
    {
        if (labelsPerModel.Count == 0) throw new ArgumentException("mask vote: no models to vote");
        int pixels = labelsPerModel[0].Length;
        for (int m = 0; m < labelsPerModel.Count; m++)
            if (labelsPerModel[m].Length != pixels)
                throw new ArgumentException($"mask vote: model {m} labels {labelsPerModel[m].Length} pixels, model 0 {pixels}");
        var votes = new int[classes];
        var result = new byte[pixels];
        for (int p = 0; p < pixels; p++)
        {
            Array.Clear(votes);
            foreach (var labels in labelsPerModel)
            {
                int c = labels[p];
                if (c >= classes) throw new ArgumentException($"mask vote: class {c} at pixel {p} is not below {classes}");
                votes[c]++;
            }
            int winner = 0;
            for (int c = 1; c < classes; c++)
                if (votes[c] > votes[winner]) winner = c;
            result[p] = (byte)winner;
        }
        return result;
    }

    /// <summary>1 where the pixel's class is one of <paramref name="animated"/>, else 0.</summary>
    public static BinaryMask SelectAnimated(byte[] labels, int width, int height, AnimatedClasses animated)
    {
        if (labels.Length != width * height)
            throw new ArgumentException($"mask vote: {labels.Length} labels do not fill a {width}×{height} mask");
        bool sky = animated is AnimatedClasses.Sky or AnimatedClasses.SkyAndFluid;
        bool fluid = animated is AnimatedClasses.Fluid or AnimatedClasses.SkyAndFluid;
        var pixels = Array.ConvertAll(labels, c => (byte)((c == 1 && sky) || (c == 2 && fluid) ? 1 : 0));
        return new BinaryMask(width, height, pixels);
    }

    /// <summary>
    /// The initial mask of <c>predict_mask</c> (before <see cref="MaskRefinement.Refine"/>): argmax per
    /// model, majority vote, class selection. Each array is one model's 3 logits per pixel, pixels in
    /// row-major order of a <paramref name="width"/>×<paramref name="height"/> grid.
    /// </summary>
    public static BinaryMask InitialMask(IReadOnlyList<float[]> logitsPerModel, int width, int height, AnimatedClasses animated,
        LogitLayout layout = LogitLayout.PixelRows)
    {
        var labels = logitsPerModel.Select(l => Argmax(l, ClassCount, layout)).ToList();
        return SelectAnimated(MajorityVote(labels), width, height, animated);
    }
}
