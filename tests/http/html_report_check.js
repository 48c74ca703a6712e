// Opens the HTML run report in headless chromium with the network cut off: its charts must render.
'use strict';
const puppeteer = require('puppeteer-core');

const [file, shot, chromium] = process.argv.slice(2);
(async () => {
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 2400 });
    await page.setOfflineMode(true);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push('request ' + r.url()));
    await page.goto('file://' + file, { waitUntil: 'load' });
    const info = await page.evaluate(() => ({
      lib: typeof window.LightweightCharts === 'object',
      equity: window.reportData ? window.reportData.equity.length : 0,
      canvases: document.querySelectorAll('canvas').length,
      tickers: Object.keys(window.reportData ? window.reportData.prices : {}).length,
    }));
    await page.screenshot({ path: shot, fullPage: true });
    console.log(JSON.stringify(info), errors.join('; '));
    const ok = info.lib && info.equity > 1 && info.canvases >= 3 && info.tickers > 0 && errors.length === 0;
    console.log(ok ? 'ok   the report renders offline' : 'FAIL the report does not render offline');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await browser.close();
  }
})();
