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
});
return CliErrors.Run(app, args);
