// bench/app: cold loads of the app's login screen in Debian's Chromium
// (a new browser context each time: no cache, no service worker), from
// navigation to a login form that takes input; and, as the baseline,
// GET /healthz of the same server in the same browser. Prints JSON.
//
//   node bench/app/load.mjs http://127.0.0.1:PORT
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(join(ROOT, 'web', 'package.json'))('playwright-core');
const RUNS = 11;
const url = process.argv[2];

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const browser = await chromium.launch({
  executablePath: process.env.OV_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync'],
});
const ready = [];
const base = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext({ serviceWorkers: 'block' });
    const page = await ctx.newPage();
    const t0 = Date.now();
    await page.goto(url + '/healthz');
    base.push(Date.now() - t0);
    const t1 = Date.now();
    await page.goto(url + '/');
    // Ready: the first field of the login form is there and enabled.
    await page.locator('input').first().waitFor({ state: 'visible' });
    await page.locator('input').first().fill('0');
    ready.push(Date.now() - t1);
    await ctx.close();
  }
} finally {
  await browser.close();
}
// The first run warms the browser itself: left out.
console.log(JSON.stringify({
  runs: RUNS - 1,
  ready_ms: median(ready.slice(1)),
  ready_max_ms: Math.max(...ready.slice(1)),
  base_ms: median(base.slice(1)),
}));
