using Delight.Reports;
using Microsoft.Playwright;

namespace Delight.Test.Reports;

/// <summary>
/// A test that opens a report in the system Chromium. It runs when Chromium is installed ($DELIGHT_CHROMIUM, else
/// /usr/bin/chromium). When it is absent the test is skipped on a developer machine, but with the environment
/// variable CI set it runs and fails: CI installs Chromium (.ci/install-chromium.sh) before `dotnet test`, so a
/// missing browser there is a broken pipeline, never a silent pass. Same pattern as <c>[MnistFact]</c>.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("DELIGHT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            Skip = $"Chromium is not at '{ExecutablePath}'; run .ci/install-chromium.sh or set DELIGHT_CHROMIUM (with CI set, this test fails instead).";
    }
}

public sealed class ReportBrowserTest : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("delight-report-browser-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [ChromiumFact]
    public async Task ReportBrowserTest_Chromium_ShowsEveryPlotWithoutErrors()
    {
        Assert.True(File.Exists(ChromiumFactAttribute.ExecutablePath), $"Chromium is not at '{ChromiumFactAttribute.ExecutablePath}'; run .ci/install-chromium.sh.");
        HandMadeRuns.WriteSweep(_root);
        var report = HtmlReport.Write(_root);
        var url = new Uri(report.Path).AbsoluteUri;

        using var playwright = await Playwright.CreateAsync();
        // The system browser: Playwright's own driver (shipped in the NuGet package) runs offline; no download.
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumFactAttribute.ExecutablePath, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var problems = new List<string>();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") problems.Add($"console {message.Type}: {message.Text}"); };
        page.PageError += (_, message) => problems.Add($"page error: {message}");
        page.Request += (_, request) => { if (request.Url != url) problems.Add($"fetched {request.Url}: the report must be self-contained"); };
        page.RequestFailed += (_, request) => problems.Add($"failed {request.Url}");

        var response = await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Load });
        Assert.NotNull(response);

        // Every plot laid out with a real size, and the SVG has drawn content inside it.
        var boxes = await page.EvaluateAsync<double[][]>(
            "() => [...document.querySelectorAll('figure svg')].map(s => { const r = s.getBoundingClientRect(); const d = s.querySelector('polyline, circle, rect[fill-opacity]'); const b = d ? d.getBBox() : { width: 0, height: 0 }; return [r.width, r.height, b.width + b.height]; })");
        Assert.Equal(report.Plots.Count, boxes.Length);
        Assert.All(boxes, b =>
        {
            Assert.InRange(b[0], 300, 2000);
            Assert.InRange(b[1], 150, 2000);
            Assert.True(b[2] > 0, "a plot has no drawn data");
        });
        Assert.Equal("Delight report", await page.InnerTextAsync("h1"));

        var png = await page.ScreenshotAsync(new() { FullPage = true, Path = Path.Combine(_root, "report.png") });
        var pixels = PngPixels.Decode(png);
        Assert.True(pixels.Height > 900, $"the full page is only {pixels.Height} px tall");
        // Not blank: many colours, and the first two palette colours (dg's blue, kondo's orange) are on screen.
        var colours = new HashSet<int>();
        for (var y = 0; y < pixels.Height; y += 2)
            for (var x = 0; x < pixels.Width; x += 2) colours.Add(pixels.Colour(x, y));
        Assert.True(colours.Count > 50, $"the screenshot has only {colours.Count} colours: blank page?");
        Assert.Contains(0x0072B2, colours);
        Assert.Contains(0xE69F00, colours);
        Assert.Empty(problems);
    }
}
