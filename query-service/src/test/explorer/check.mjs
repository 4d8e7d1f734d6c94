// Drives the memory explorer in headless Chromium: connect as an analyst, read what an owner knows now, scrub back to
// a past moment, open a memory's lineage, explain a question's ranking; a screenshot of each step. Prints what it saw
// as one JSON line for ExplorerIT to check. Arguments: base URL, API key, owner, past moment (ISO), screenshot dir.
import { chromium } from 'playwright-core';

const [base, key, owner, past, question, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const seen = { errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
  await page.goto(`${base}/explorer`);
  await page.fill('#key', key);
  await page.fill('#owner', owner);
  await page.click('#load');
  await page.waitForSelector('.memory', { timeout: 15000 });
  seen.now = await page.$$eval('.memory', (els) => els.map((e) => e.textContent));
  seen.tiers = await page.$$eval('.tier', (els) => els.map((e) => e.dataset.tier));
  await page.screenshot({ path: `${shots}/1-now.png`, fullPage: true });

  // the slider to the past moment: its position on the span the page shows
  await page.evaluate((at) => {
    const from = document.querySelector('#from');
    from.value = new Date(Date.parse(at) - 180 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    from.dispatchEvent(new Event('change'));
    const start = Date.parse(from.value);
    const slider = document.querySelector('#slider');
    slider.value = String(Math.round((1000 * (Date.parse(at) - start)) / (Date.now() - start)));
    slider.dispatchEvent(new Event('input'));
  }, past);
  await page.waitForFunction(() => document.querySelector('#moment').textContent.startsWith('known at'), null, { timeout: 15000 });
  await page.waitForTimeout(1500);
  seen.moment = await page.textContent('#moment');
  seen.then = await page.$$eval('.memory', (els) => els.map((e) => e.textContent));
  await page.screenshot({ path: `${shots}/2-then.png`, fullPage: true });

  await page.click('.memory');
  await page.waitForSelector('#lineage li.state', { timeout: 15000 });
  seen.lineage = await page.$$eval('#lineage li', (els) => els.map((e) => e.textContent));
  seen.versions = await page.$$eval('#versions li', (els) => els.map((e) => e.textContent));
  await page.waitForSelector('#strength polyline', { timeout: 15000 });
  seen.strengthPoints = await page.$eval('#strength polyline', (e) => e.getAttribute('points').trim().split(/\s+/).length);
  await page.screenshot({ path: `${shots}/3-lineage.png`, fullPage: true });

  await page.fill('#query', question);
  await page.click('#ask button');
  await page.waitForSelector('.hit .part', { timeout: 15000 });
  seen.hits = await page.$$eval('.hit', (els) => els.map((e) => ({ id: e.dataset.id, parts: e.querySelectorAll('.part').length,
    legend: e.querySelector('.legend').textContent })));
  await page.screenshot({ path: `${shots}/4-why.png`, fullPage: true });
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
