using CineKernel.Tests.Support;
using CineKernel.Tools.Studio;
using NUnit.Framework;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Tests.Studio;

/// <summary>
/// End to end: the real server (Kestrel on a free loopback port) and the page in headless Chromium (Debian's
/// chromium and chromium-driver through Selenium). Opens the bundled sample photo, paints a stroke over the
/// clouds, draws an arrow to the right, previews, exports a GIF and checks the GIF's frames numerically: they
/// change only inside the painted stroke, and the content there moves right. Saves the page's screenshot
/// (docs/studio.png when CINEKERNEL_UPDATE_DOCS=1). Without a browser the test is ignored, saying so.
/// </summary>
[TestFixture]
public class StudioPageTests
{
    private const string Chromium = "/usr/bin/chromium", ChromeDriver = "/usr/bin/chromedriver";

    [Test]
    public async Task PaintArrowPreviewExport_InHeadlessChromium()
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
            Assert.Ignore($"skipped: no chromium ({Chromium} and {ChromeDriver}; apt-get install chromium chromium-driver)");

        await using var server = StudioServer.Create(new StudioOptions { Port = 0, Device = "cpu", PreviewSize = 64, PreviewMaxFrames = 4 });
        await server.StartAsync();
        string url = server.Urls.Single() + "/";

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1180,860", "--hide-scrollbars");
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(120)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        driver.Navigate().GoToUrl(url);
        wait.Until(d => d.FindElement(By.Id("size")).FindElements(By.TagName("option")).Count > 0);

        // Open the sample photo (the file input, as the picker would fill it).
        string photo = Path.Combine(RepositoryPaths.Root, "samples", "0002268", "0002268.png");
        driver.FindElement(By.Id("file")).SendKeys(photo);
        wait.Until(d => !d.FindElement(By.Id("canvas-wrap")).GetAttribute("class")!.Contains("empty"));
        Assert.That(driver.FindElement(By.Id("error")).Displayed, Is.False, driver.FindElement(By.Id("error")).Text);

        var js = (IJavaScriptExecutor)driver;
        js.ExecuteScript("""
            const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('change')); e.dispatchEvent(new Event('input')); };
            set('frames', 8); set('fps', 10); set('size', 64); set('format', 'gif'); set('brush-size', 90); set('brush-softness', 0);
            """);

        // Canvas pixels (0..512) to pointer offsets from the overlay's centre (Selenium 4 offsets are from the centre).
        var overlay = driver.FindElement(By.Id("overlay"));
        double scale = overlay.Size.Width / 512.0;
        int Ox(double cx) => (int)Math.Round((cx - 256) * scale);
        // Paint a horizontal stroke over the clouds: canvas y 70..160, x 215..465 (a 90-pixel brush from x 260 to 420).
        new Actions(driver).MoveToElement(overlay, Ox(260), Ox(115)).ClickAndHold()
            .MoveByOffset((int)(40 * scale), 0).MoveByOffset((int)(60 * scale), 0).MoveByOffset((int)(60 * scale), 0).Release().Perform();
        // Draw an arrow to the right inside it: 96 canvas pixels = 192 photo pixels a second (1024² photo).
        driver.FindElement(By.Id("tool-arrow")).Click();
        new Actions(driver).MoveToElement(overlay, Ox(300), Ox(115)).ClickAndHold()
            .MoveByOffset((int)(48 * scale), 0).MoveByOffset((int)(48 * scale), 0).Release().Perform();
        wait.Until(d => d.FindElements(By.CssSelector("#arrow-list li")).Count == 1);
        driver.FindElement(By.Id("show-motion")).Click();
        wait.Until(d => d.FindElement(By.Id("motion-view")).Displayed);

        // Preview: played in place.
        driver.FindElement(By.Id("preview")).Click();
        wait.Until(d => d.FindElement(By.Id("preview-view")).Displayed || d.FindElement(By.Id("error")).Displayed);
        Assert.That(driver.FindElement(By.Id("error")).Displayed, Is.False, driver.FindElement(By.Id("error")).Text);
        driver.FindElement(By.Id("close-preview")).Click();

        // The screenshot for the README: the stroke, the arrow and the motion's colour wheel over the photo.
        js.ExecuteScript("window.scrollTo(0, 0); document.activeElement?.blur();");
        var shot = driver.GetScreenshot();
        string png = Path.Combine(TestContext.CurrentContext.WorkDirectory, "studio.png");
        SaveScreenshot(shot.AsByteArray, png);
        TestContext.AddTestAttachment(png, "the studio page");
        if (Environment.GetEnvironmentVariable("CINEKERNEL_UPDATE_DOCS") == "1")
            File.Copy(png, Path.Combine(RepositoryPaths.Root, "docs", "studio.png"), overwrite: true);

        // Export a GIF, with the progress bar, to the download link.
        driver.FindElement(By.Id("export")).Click();
        wait.Until(d => d.FindElements(By.Id("download-link")).Count > 0 || d.FindElement(By.Id("error")).Displayed);
        Assert.That(driver.FindElement(By.Id("error")).Displayed, Is.False, driver.FindElement(By.Id("error")).Text);
        Assert.That(driver.FindElement(By.Id("progress")).GetAttribute("value"), Is.EqualTo("8"));
        string href = driver.FindElement(By.Id("download-link")).GetAttribute("href")!;
        using var http = new HttpClient();
        using var gif = Image.Load<Rgb24>(await http.GetByteArrayAsync(href));
        Assert.That((gif.Width, gif.Frames.Count), Is.EqualTo((64, 8)));

        // The stroke covers canvas x 215..465, y 70..160: at 64², x 27..58, y 9..20. Inside: a margin of 3 pixels;
        // outside: 3 pixels clear of the stroke (the mask is Lanczos-resized, the brush edge antialiased).
        static bool Inside(int x, int y) => x is >= 30 and <= 55 && y is >= 12 and <= 17;
        static bool Outside(int x, int y) => x < 24 || x > 61 || y < 6 || y > 23;
        StudioFrames.AssertMovesOnlyInside(gif, Inside, Outside, expectRight: true);
    }

    /// <summary>Saves the screenshot as a PNG of at most 960 pixels wide (small enough for the README).</summary>
    private static void SaveScreenshot(byte[] png, string path)
    {
        using var image = Image.Load<Rgb24>(png);
        if (image.Width > 960) image.Mutate(x => x.Resize(960, 0));
        // 256 colours (a palette PNG) keep it under 300 KB for the repository.
        image.SaveAsPng(path, new SixLabors.ImageSharp.Formats.Png.PngEncoder
        {
            ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Palette,
            CompressionLevel = SixLabors.ImageSharp.Formats.Png.PngCompressionLevel.BestCompression,
        });
    }
}
