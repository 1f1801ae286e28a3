using Slt.Cli.Commands;
using Slt.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("slt");
    config.SetApplicationVersion(CliInfo.Version);
    config.PropagateExceptions();
    config.UseStrictParsing(); // an unknown option is an error, not silently ignored
    config.SetHelpProvider(new ExitCodeHelp(config.Settings)); // `slt --help` lists the exit codes
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check .NET, TorchSharp, libtorch, devices and the libstdc++ fix; run a tiny forward/backward.");
    config.AddCommand<ReproduceCommand>("reproduce")
        .WithDescription("Re-execute every notebook in order and write executed notebooks and offline HTML write-ups (artifacts/index.html).");
    config.AddBranch("llc", llc =>
    {
        llc.SetDescription("Local learning coefficient λ̂ by SGLD, with diagnostics and the exact truth where known: slt llc potential, dln or transformer (exit codes below).");
        llc.AddCommand<LlcPotentialCommand>("potential")
            .WithDescription("λ̂ of a normal-crossing potential (--terms) in a prior box, against the exact λ, m and E_t[[tK]].");
        llc.AddCommand<LlcDlnCommand>("dln")
            .WithDescription("λ̂ of a deep linear network (--widths, --rank) on a sample or the population loss, against Aoyagi's λ.");
        llc.AddCommand<LlcTransformerCommand>("transformer")
            .WithDescription("λ̂ of a trained transformer (--checkpoint, --config or the default recipe); --lengths restricts the data, --gammas sweeps the localization. No truth.");
    });
    config.AddCommand<ValidateCommand>("validate").WithDescription("Run the ground-truth suite: estimate, truth and relative error per case.");
    config.AddCommand<BenchCommand>("bench").WithDescription("Benchmarks: SGLD/SGD step cost, batched potential throughput, memory over 10,000 steps.");
    config.AddCommand<FreeEnergyCommand>("free-energy").WithDescription("Free energy of a potential: exact, thermodynamic integration and WBIC. Exit codes: 0, 1 bad input, 2 divergent, 3 \"Do not trust\" (the path breaks its bounds), 64 usage.");
    config.AddCommand<TrainCommand>("train").WithDescription("Train the transformer on a corpus; per-length losses at log-spaced checkpoints.");
    config.AddCommand<CorpusCommand>("corpus").WithDescription("Write (or preview) the sample corpus of a corpus spec.");
    config.AddCommand<DiagnosticsCommand>("diagnostics").WithDescription("Rank-normalized R̂, bulk- and tail-ESS and MCSE of per-draw traces (chain,draw,value CSV).");
    config.AddBranch("contexts", contexts =>
    {
        contexts.SetDescription("Contexts become weights: the map F_C with p(y | C ⊕ x, w) = p(y | x, F_C(w)), its degeneracy, and the mother/daughter learning coefficients (docs/contexts.md).");
        contexts.AddCommand<ContextsExactCommand>("exact").WithDescription("The exact linear-attention identity (random and trained weights, random contexts and queries) and von Oswald's one-GD-step layer: worst errors. Exit codes: 0 all within --tolerance, 1 bad input, 3 an error exceeds it, 64 usage.");
        contexts.AddCommand<ContextsCompositeCommand>("composite").WithDescription("Mother against daughter, exactly: a deep linear network F(w) = W_L ⋯ W_1 (--widths, input first) against the regular regression on D = F(w), both LLCs estimated on one data set beside Aoyagi's λ and d/2. Exit codes as for slt llc (the worse of the two runs): 0, 1 bad input, 2 divergent, 3 \"Do not trust\", 64 usage.");
        contexts.AddCommand<ContextsRankOneCommand>("rank-one").WithDescription("Softmax transformer: the exact, query-dependent rank-one update of the last MLP (Dherin et al. 2025) per family and context length: identity error, rank, query spread.");
        contexts.AddCommand<ContextsFitCommand>("fit").WithDescription("Softmax transformer: the fitted, query-independent context map; R = KL(mother ‖ fitted daughter) / KL(mother ‖ no change) per family and context length at every checkpoint (or --final-only), KL to the truth, and with --degeneracy the blocks and rank of the fitted updates.");
        contexts.AddCommand<ContextsMotherDaughterCommand>("mother-daughter").WithDescription("Measured: λ̂ of the trained model at w* on C ⊕ x against its daughter at F_C(w*) on x (linear attention: exact F_C; softmax: the fitted full-model map), with diagnostics and the sign at two standard errors. Exit codes as for slt llc (the worst run).");
        contexts.AddCommand<ContextsDegeneracyCommand>("degeneracy").WithDescription("Degeneracy of the exact linear-attention map: numerical rank of ∂M_C/∂w against its generic value, singular values, columns per weight block (zero = a fibre).");
    });
    config.AddBranch("checkpoint", checkpoint =>
    {
        checkpoint.SetDescription("PyTorch state dicts in and out: torch.save (.pt) or safetensors, the workbook's names or nanoGPT's (docs/pytorch.md). Exit codes: 0, 1 bad input, 64 usage.");
        checkpoint.AddCommand<CheckpointImportCommand>("import")
            .WithDescription("Read a PyTorch state dict (nanoGPT-style or ours) into a workbook checkpoint; refuses, naming the key, what the Transformer cannot hold exactly.");
        checkpoint.AddCommand<CheckpointExportCommand>("export")
            .WithDescription("Write a workbook checkpoint as a PyTorch state dict (our names or nanoGPT's) for torch.load or safetensors.");
    });
    config.AddBranch("additivity", additivity =>
    {
        additivity.SetDescription("Does the learning coefficient add over parts? Exact and estimated, with the gaps and verdicts (docs/additivity.md).");
        additivity.AddCommand<AdditivityPotentialCommand>("potential").WithDescription("A potential (--terms) against its parts (--parts, default its disjoint variable blocks): exact log Z_n, F_n, E_t[[tK]], λ and m, SGLD λ̂ ± se per piece, the gaps whole − Σ parts and the verdicts (additive or interference). Exit codes: 0, 1 bad input, 2 divergent, 3 \"Do not trust\" (the worst run), 64 usage.");
        additivity.AddCommand<AdditivityJoinedCommand>("joined").WithDescription("A transformer joined from one part per family (trained on its family's windows, routed by words): λ̂ on all windows against the sum of the parts' λ̂ on their windows at n_f β, gap ± se and verdict. Exit codes as for slt llc (the worst run).");
        additivity.AddCommand<AdditivitySharedCommand>("shared").WithDescription("The shared (default) transformer: per-block Fisher overlap of the two families along training (--overlap) and the interference I = λ̂(W, all) − λ̂(W₁, family 1) − λ̂(W₂, family 2) per block (--interference rows,unembedding,attention-1,…). Exit codes as for slt llc (the worst run).");
    });
    config.AddCommand<RecognitionCommand>("recognition").WithDescription("Type A transitions (a context recognized): the captured in-context gain per family and head/tail task class over training, R of the fitted context map, and their onsets as (previous checkpoint, step]] intervals (docs/recognition.md).");
    config.AddBranch("phases", phases =>
    {
        phases.SetDescription("Phases in n and in the data: a Bayesian phase transition computed exactly (docs/phases.md), and sweeps of trained transformers over corpora and architectures measured by the captured in-context gain (docs/phases-data.md).");
        phases.AddCommand<PhasesTransitionCommand>("transition").WithDescription("A Bayesian phase transition computed exactly: the posterior mass of a simple region (higher loss, smaller λ) and a complex one against n, the exact n_c against the formula n c + λ log n with and without its log log n, prior and O(1) terms, --estimate: n_c by thermodynamic integration per region, --noisy: the random n_c of a model with data over seeds. Exit codes: 0, 1 bad input, 2 divergent, 3 \"Do not trust\" (--estimate), 64 usage.");
        phases.AddCommand<PhasesDataCommand>("data").WithDescription("The default architecture on corpora that differ in one knob at a time (Zipf exponent, burstiness, tasks per family), several seeds each: one row per corpus and seed; --ship writes data/results.");
        phases.AddCommand<PhasesArchitectureCommand>("architecture").WithDescription("The smallest in-context learner: one layer attention-only, one layer with MLP, two layers, linear attention at widths d, several seeds; G against parameters and the frontier; --ship writes data/results.");
    });
    config.AddBranch("susceptibility", susceptibility =>
    {
        susceptibility.SetDescription("Susceptibilities χ = dE_h[[φ]]/dh = −nβ Cov[[φ, L_q' − L_q]] of the posterior to a shift of the data (docs/susceptibilities.md). Exit codes: 0, 64 usage.");
        susceptibility.AddCommand<SusceptibilityGaussianCommand>("gaussian").WithDescription("The estimator against its closed-form case (quadratic losses, Gaussian posterior): exact χ, its covariance form and a finite difference against SGLD χ̂ ± se per seed, for the whole and two blocks.");
        susceptibility.AddCommand<SusceptibilityTransformerCommand>("transformer").WithDescription("χ̂ ± se per weight block and shift (toward each family, early or late lengths) at every checkpoint of the default training run; peaks named. Cached under SLT_CACHE/additivity.");
    });
    config.AddCommand<KlCommand>("kl").WithDescription("Per-length loss L^l, entropy S^l and KL K^l (with standard errors) of a checkpoint.");
});
return CliErrors.Run(app, ArgumentAliases.Expand(args));
