namespace CineKernel.Pipeline.Weights;

/// <summary>
/// An inference BatchNorm (nn.BatchNorm1d/2d in eval mode): y = (x − mean)/√(var + ε)·γ + β per channel.
/// </summary>
public sealed record BatchNormParameters
{
    public BatchNormParameters(float[] gamma, float[] beta, float[] runningMean, float[] runningVar, double epsilon = 1e-5)
    {
        int c = gamma.Length;
        if (beta.Length != c || runningMean.Length != c || runningVar.Length != c)
            throw new ArgumentException(
                $"batch norm: weight, bias, running_mean and running_var have {gamma.Length}, {beta.Length}, {runningMean.Length}, {runningVar.Length} values; they must agree");
        if (!(epsilon >= 0)) throw new ArgumentException($"batch norm: eps {epsilon} is not a non-negative number");
        Gamma = gamma;
        Beta = beta;
        RunningMean = runningMean;
        RunningVar = runningVar;
        Epsilon = epsilon;
    }

    public float[] Gamma { get; }
    public float[] Beta { get; }
    public float[] RunningMean { get; }
    public float[] RunningVar { get; }
    public double Epsilon { get; }
    public int Channels => Gamma.Length;
}
