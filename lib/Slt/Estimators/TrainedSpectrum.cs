using Slt.Configuration;
using Slt.Sampling;
using Slt.Training;
using Slt.Truth;

namespace Slt.Estimators;

/// <summary>
/// The Hessian spectrum of a recipe's trained transformer on the sample its LLC is measured on (notebook 02,
/// <c>slt llc transformer --spectrum</c>). It takes one and a half to six minutes on one thread, so the default recipe's is shipped in
/// <c>data/results</c> with the trained model's fingerprint (<see cref="ModelFingerprint"/>) and read when the model this
/// code trains still has it; <c>slt llc transformer --spectrum --ship</c> rewrites it.
/// </summary>
public static class TrainedSpectrum
{
    /// <summary>∇²L_n's spectrum at the recipe's trained weights on <paramref name="windows"/> windows drawn with
    /// <paramref name="dataSeed"/> from its truth.</summary>
    /// <returns>The spectrum and whether it was read from <c>data/results</c>.</returns>
    public static (HessianSpectrum Spectrum, bool Shipped) ForRecipe(TrainingRunConfig recipe, int windows = NextTokenTarget.DefaultWindows,
        long dataSeed = 11, SpectrumSettings? settings = null, bool ship = false, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (windows < 1) throw new ArgumentOutOfRangeException(nameof(windows), windows, "windows must be ≥ 1.");
        settings ??= new SpectrumSettings();
        using var model = TrainedModelCache.GetOrTrain(recipe).Model;
        var generator = new CorpusGenerator(recipe.Truth());
        double fingerprint = ModelFingerprint.Of(model, generator.SpecSample());
        string key = $"{recipe.ToJson()}\nwindows {windows}, data seed {dataSeed}\nprobes {settings.Probes}, steps {settings.Steps}, seed {settings.Seed}";
        return ShippedResults.ReadOrCompute("hessian-spectrum", key, fingerprint,
            () => LossHessian.Spectrum(model, generator.Sample(windows, dataSeed), settings, progress), ship);
    }
}
