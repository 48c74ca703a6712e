// Browser test of the dashboard: headless Debian chromium driven by puppeteer-core against a running node.
'use strict';
const path = require('path');
const puppeteer = require('puppeteer-core');

const [base, token, outDir, chromium] = process.argv.slice(2);

function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) process.exitCode = 1;
}

(async () => {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1000 });
    page.on('pageerror', (e) => console.log('page error: ' + e.message));
    await page.goto(base + '/', { waitUntil: 'load' });
    check(await page.evaluate(() => typeof window.LightweightCharts === 'object'),
          'the charts library is served by the node');
    await page.type('#token', token);
    await page.click('#connect');
    await page.waitForFunction(() => window.dash.connected && window.dash.equityPoints >= 3
                                     && window.dash.positions > 0, { timeout: 30000 });
    const rows = await page.$$eval('#positions tbody tr', (r) => r.length);
    check(rows > 0, 'positions are shown (' + rows + ' rows)');
    const canvases = await page.$$eval('#equity-chart canvas', (c) => c.length);
    check(canvases > 0 && (await page.evaluate(() => window.dash.equityPoints)) >= 3,
          'the equity chart has points');
    await page.screenshot({ path: path.join(outDir, 'dashboard-live.png') });

    // A manual order from the ticket; its fill must show up live in the fills table.
    const fillsBefore = await page.evaluate(() => window.dash.fills);
    await page.click('#t-send');
    await page.waitForFunction(() => window.dash.lastTicket && window.dash.lastTicket.order, { timeout: 10000 });
    const orderId = await page.evaluate(() => window.dash.lastTicket.order.order_id);
    check(/^O-/.test(orderId), 'the manual order was accepted as ' + orderId);
    await page.waitForFunction((id) => [...document.querySelectorAll('#fills tbody tr td:first-child')]
      .some((td) => td.textContent === id), { timeout: 15000 }, orderId);
    check((await page.evaluate(() => window.dash.fills)) > fillsBefore, 'a fill appeared live');
    await page.screenshot({ path: path.join(outDir, 'dashboard-fill.png') });

    // The kill switch: the next order is rejected trading_halted.
    await page.type('#reason', 'browser test');
    await page.click('#halt');
    await page.waitForFunction(() => window.dash.state === 'halted', { timeout: 10000 });
    await page.evaluate(() => { window.dash.lastTicket = null; });
    await page.click('#t-send');
    await page.waitForFunction(() => window.dash.lastTicket, { timeout: 10000 });
    const reason = await page.evaluate(() => window.dash.lastTicket.reason || '');
    check(reason.startsWith('trading_halted'), 'after HALT the next order is rejected: ' + reason);
    const shown = await page.$eval('#ticket-result', (e) => e.textContent);
    check(shown.includes('trading_halted'), 'the dashboard shows the rejection');
    check((await page.$eval('#state', (e) => e.textContent)).includes('halted'), 'the badge says halted');
    await page.screenshot({ path: path.join(outDir, 'dashboard-halted.png') });
    await page.click('#resume');
    await page.waitForFunction(() => window.dash.state === 'active', { timeout: 10000 });
  } catch (e) {
    console.log('FAIL ' + e.message);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
