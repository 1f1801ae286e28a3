using System.Text.Json;
using System.Text.Json.Nodes;
using Slt.Sampling;

namespace Slt.Estimators;

/// <summary>
/// Machine-readable reports of estimates (the JSON of <c>slt llc --json</c> and <c>slt free-energy --json</c>):
/// snake_case keys, and null — never NaN — where there is no number.
/// </summary>
public static class EstimateReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>llc_mean, llc_se, per_chain, rhat, ess, mala_acceptance, verdict, trust, fluctuation_correction, settings, truth, …</summary>
    public static JsonObject ToJson(LlcResult r) => new()
    {
        ["llc_mean"] = Number(r.Mean),
        ["llc_se"] = Number(r.StandardError),
        ["per_chain"] = new JsonArray(r.PerChain.Select(v => (JsonNode?)Number(v)).ToArray()),
        ["rhat"] = Number(r.Diagnostics.RHat),
        ["ess"] = Number(r.Diagnostics.Ess),
        ["mala_acceptance"] = Number(r.Diagnostics.MalaAcceptance),
        ["trust"] = r.Diagnostics.Trust.ToString(),
        ["verdict"] = r.Diagnostics.Verdict,
        ["chain_problems"] = new JsonArray(r.Diagnostics.ChainProblems.Select(p => (JsonNode?)JsonValue.Create(p.ToString())).ToArray()),
        ["relative_error"] = Number(r.RelativeError),
        ["fluctuation_correction"] = r.Correction is not { } c ? null : new JsonObject
        {
            ["llc_corrected"] = Number(c.Mean),
            ["llc_corrected_se"] = Number(c.StandardError),
            ["per_chain"] = new JsonArray(c.PerChain.Select(v => (JsonNode?)Number(v)).ToArray()),
            ["singular_fluctuation"] = Number(c.MeanSingularFluctuation),
            ["beta"] = Number(c.Beta),
            ["relative_error"] = Number(r.CorrectedRelativeError),
        },
        ["expected_shortfall"] = r.Shortfall is not { } sf ? null : new JsonObject
        {
            ["multiplicity_term"] = Number(sf.MultiplicityTerm),
            ["fluctuation_term"] = Number(sf.FluctuationTerm),
            ["raw"] = Number(sf.Raw),
            ["raw_relative"] = Number(sf.Raw / sf.Lambda),
            ["corrected_relative"] = r.Correction is null ? null : Number(sf.Corrected / sf.Lambda),
            ["expected_raw"] = Number(sf.ExpectedRaw),
            ["statement"] = sf.Statement,
        },
        ["sampled_dimension"] = r.Run.SampledDimension,
        ["settings"] = Settings(r.Run),
        ["truth"] = r.Truth is null ? null : new JsonObject
        {
            ["lambda"] = Number(r.Truth.Lambda),
            ["multiplicity"] = r.Truth.Multiplicity is int m ? JsonValue.Create(m) : null,
            ["finite_t"] = Number(r.Truth.FiniteT),
        },
        ["seconds"] = Number(r.Run.Seconds),
        ["cpu_seconds"] = Number(r.Run.CpuSeconds),
        ["parallel_groups"] = r.Run.ParallelGroups,
        ["ess_per_cpu_second"] = Number(r.Diagnostics.Ess / r.Run.CpuSeconds),
    };

    /// <summary>step_size, llc_at_step (+ se), llc_at_half_step (+ se), extrapolated (+ se), bias (+ se), allowed, tolerance,
    /// within_tolerance, extrapolated_relative_error, statement.</summary>
    public static JsonObject ToJson(StepSizeBiasEstimate b) => new()
    {
        ["step_size"] = b.StepSize,
        ["llc_at_step"] = Number(b.AtStep.Mean),
        ["llc_at_step_se"] = Number(b.AtStep.StandardError),
        ["llc_at_half_step"] = Number(b.AtHalfStep.Mean),
        ["llc_at_half_step_se"] = Number(b.AtHalfStep.StandardError),
        ["extrapolated"] = Number(b.Extrapolated),
        ["extrapolated_se"] = Number(b.ExtrapolatedStandardError),
        ["bias"] = Number(b.Bias),
        ["bias_se"] = Number(b.BiasStandardError),
        ["allowed"] = Number(b.Allowed),
        ["tolerance"] = b.Tolerance,
        ["within_tolerance"] = b.WithinTolerance,
        ["extrapolated_relative_error"] = Number(b.ExtrapolatedRelativeError),
        ["statement"] = b.Statement,
    };

    /// <summary>chosen_step_size, tried (one step_size_bias object per pair), total_steps, seconds, summary.</summary>
    public static JsonObject ToJson(StepSizeSearchResult s) => new()
    {
        ["chosen_step_size"] = s.Chosen is { } c ? JsonValue.Create(c.StepSize) : null,
        ["tried"] = new JsonArray(s.Tried.Select(t => (JsonNode?)ToJson(t)).ToArray()),
        ["total_steps"] = s.TotalSteps,
        ["seconds"] = Number(s.Seconds),
        ["summary"] = s.Summary,
    };

    /// <summary>exact, thermodynamic_integration (+ se), wbic (+ se), exact_wbic, relative_error, verdict, path.</summary>
    public static JsonObject ToJson(FreeEnergyResult r) => new()
    {
        ["n"] = r.SampleSize,
        ["exact"] = Number(r.Exact),
        ["thermodynamic_integration"] = Number(r.ThermodynamicIntegration),
        ["thermodynamic_integration_se"] = Number(r.ThermodynamicIntegrationSe),
        ["relative_error"] = Number(r.RelativeError),
        ["wbic"] = Number(r.Wbic),
        ["wbic_se"] = Number(r.WbicSe),
        ["exact_wbic"] = Number(r.ExactWbic),
        ["verdict"] = r.Verdict,
        ["trust"] = r.Trust.ToString(),
        ["path"] = new JsonArray(r.Path.Select(p => (JsonNode?)new JsonObject
        {
            ["beta"] = Number(p.Beta), ["energy"] = Number(p.Energy), ["se"] = Number(p.StandardError), ["diagnostics"] = p.Diagnostics,
        }).ToArray()),
    };

    /// <summary>The sampler settings a run used, including the resolved nβ.</summary>
    public static JsonObject Settings(SamplingRun run)
    {
        var s = run.Settings;
        return new JsonObject
        {
            ["step_size"] = s.StepSize,
            ["nbeta"] = Number(run.NBeta),
            ["nbeta_source"] = s.NBeta is null ? "n / log n" : "set",
            ["n"] = run.SampleSize,
            ["localization"] = s.Localization,
            ["chains"] = s.Chains,
            ["draws"] = s.Draws,
            ["steps_between_draws"] = s.StepsBetweenDraws,
            ["burn_in"] = s.BurnIn,
            ["batch_size"] = s.BatchSize is int b ? JsonValue.Create(b) : null,
            ["prior_box"] = s.Box is null ? null : new JsonArray(s.Box.Lower, s.Box.Upper),
            ["sampled_parameters"] = new JsonArray(run.SampledParameters.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["rmsprop_decay"] = Number(s.RmsPropDecay),
            ["seed"] = s.Seed,
            ["draw_loss"] = s.DrawLoss == DrawLoss.MiniBatchExcess ? "minibatch_excess" : "evaluation_set",
            ["mala_every"] = s.TrackMalaAcceptance && !s.MetropolisAdjusted ? JsonValue.Create(s.MalaEvery) : null,
            ["metropolis_adjusted"] = s.MetropolisAdjusted,
        };
    }

    /// <summary>Indented JSON text.</summary>
    public static string Format(JsonNode node) => node.ToJsonString(Indented);

    private static JsonNode? Number(double? v) => v is double d && double.IsFinite(d) ? JsonValue.Create(d) : null;
}
