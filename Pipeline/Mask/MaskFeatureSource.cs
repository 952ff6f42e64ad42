namespace CineKernel.Pipeline.Mask;

/// <summary>One feature map the mask classifiers read: its channels and its (square) size.</summary>
public sealed record MaskFeatureSource(int Channels, int Size);
