using Slt.Cli.Commands;
using Slt.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("slt");
    config.SetApplicationVersion(CliInfo.Version);
    config.PropagateExceptions();
    config.AddCommand<DoctorCommand>("doctor")
        .WithDescription("Check .NET, TorchSharp, libtorch, devices and the libstdc++ fix; run a tiny forward/backward.");
    config.AddCommand<TrainCommand>("train").WithDescription("Train the transformer on a corpus; per-length losses at log-spaced checkpoints.");
    config.AddCommand<CorpusCommand>("corpus").WithDescription("Write (or preview) the sample corpus of a corpus spec.");
    config.AddCommand<KlCommand>("kl").WithDescription("Per-length loss L^l, entropy S^l and KL K^l (with standard errors) of a checkpoint.");
    config.AddCommand<ReproduceCommand>("reproduce")
        .WithDescription("Re-execute every notebook in order and write executed notebooks and offline HTML write-ups (artifacts/index.html).");
});
return CliErrors.Run(app, args);
