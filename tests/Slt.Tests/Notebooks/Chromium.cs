using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Slt.Tests.Notebooks;

/// <summary>
/// Debian's headless Chromium, driven from the command line: <c>--dump-dom</c> after scripts ran, and screenshots.
/// Every request that is not a file read goes to <see cref="RefusingProxy"/>, which records it and refuses it.
/// </summary>
internal static class Chromium
{
    public static string? Executable { get; } = Find();

    public static bool Required => Environment.GetEnvironmentVariable("SLT_REQUIRE_BROWSER") == "1";

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("SLT_CHROMIUM") is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        return new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Hosts that Chromium itself contacts in the background whatever the page (component updater, network time,
    /// sign-in), even with the flags below. Their requests are refused like any other; they are not the page's.
    /// </summary>
    public static readonly string[] BrowserServiceHosts = ["update.googleapis.com", "accounts.google.com", "clients2.google.com", "clientservices.googleapis.com"];

    /// <summary>
    /// The DOM after the page's scripts ran, and every network request made while it was open (all refused),
    /// less Chromium's own background requests to <see cref="BrowserServiceHosts"/>. With <paramref name="windowWidth"/>, the
    /// page is laid out in a window that wide (else Chromium's default).
    /// </summary>
    public static (string Dom, IReadOnlyList<string> Requests) DumpDom(string pageOrUrl, int? windowWidth = null)
    {
        using var proxy = new RefusingProxy();
        string url = pageOrUrl.Contains("://", StringComparison.Ordinal) ? pageOrUrl : new Uri(pageOrUrl).AbsoluteUri;
        string[] window = windowWidth is int w ? [$"--window-size={w},2000"] : [];
        string dom = Run(proxy, [.. window, "--dump-dom", "--virtual-time-budget=15000", url]);
        return (dom, proxy.Requests.Where(r => !BrowserServiceHosts.Any(h => r.Contains(" " + h + ":", StringComparison.Ordinal) || r.Contains("//" + h + "/", StringComparison.Ordinal))).ToList());
    }

    /// <summary>Writes a screenshot of the page (after its scripts ran) to <paramref name="png"/>.</summary>
    public static void Screenshot(string htmlFile, string png, int width = 1280, int height = 2000)
    {
        using var proxy = new RefusingProxy();
        Run(proxy, $"--screenshot={png}", $"--window-size={width},{height}", "--virtual-time-budget=15000", new Uri(htmlFile).AbsoluteUri);
    }

    private static string Run(RefusingProxy proxy, params string[] args)
    {
        string profile = Directory.CreateTempSubdirectory("slt-chromium-").FullName;
        try
        {
            var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("Chromium is not installed."))
            { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
                "--disable-client-side-phishing-detection", "--disable-domain-reliability", "--no-pings", "--disable-breakpad",
                "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
                $"--user-data-dir={profile}",
                // Everything that is not a file read goes to the refusing proxy, loopback included.
                $"--proxy-server=http://127.0.0.1:{proxy.Port}", "--proxy-bypass-list=<-loopback>",
            }.Concat(args)) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not finish in 2 minutes.");
            }
            if (process.ExitCode != 0) throw new InvalidOperationException($"Chromium exited {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally { Directory.Delete(profile, recursive: true); }
    }

    /// <summary>An HTTP proxy on the loopback that records each request line and answers 403.</summary>
    private sealed class RefusingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentQueue<string> _requests = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public RefusingProxy()
        {
            _listener.Start();
            _loop = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public IReadOnlyList<string> Requests => _requests.ToArray();

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        int n = await stream.ReadAsync(buffer, _stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
                        string first = Encoding.ASCII.GetString(buffer, 0, n).Split('\n')[0].Trim();
                        // A connection that sends nothing (Chromium may open one speculatively and close it) fetched nothing:
                        // only request lines are requests.
                        if (first.Length > 0) _requests.Enqueue(first);
                        await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException)
                    {
                        _requests.Enqueue("(connection: " + e.GetType().Name + ")");
                    }
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            _stop.Dispose();
        }
    }
}

/// <summary>A fact that needs Chromium: skipped, saying why, where it is missing, unless SLT_REQUIRE_BROWSER=1 (CI).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable is null && !Chromium.Required)
            Skip = "Chromium is not installed (/usr/bin/chromium); `bash scripts/install-prerequisites.sh` installs it. Set SLT_REQUIRE_BROWSER=1 to make this a failure.";
    }
}
