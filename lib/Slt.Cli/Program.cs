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
    config.AddCommand<ReproduceCommand>("reproduce")
        .WithDescription("Re-execute every notebook in order and write executed notebooks and offline HTML write-ups (artifacts/index.html).");
});
return CliErrors.Run(app, args);
