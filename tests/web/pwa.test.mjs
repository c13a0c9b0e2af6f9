// The app as served: index.html for app routes, types and caching of
// the static files, nothing outside the directory, the manifest and
// its icons, and a service worker that caches the shell but never /v1/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, uiLogin } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

// A raw GET: the path goes out exactly as written (no URL clean-up).
function rawGet(path, headers = {}) {
  const u = new URL(env.OV_APP_URL);
  return new Promise((res, rej) => {
    const r = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (m) => {
      const chunks = [];
      m.on('data', (c) => chunks.push(c));
      m.on('end', () => res({ status: m.statusCode, headers: m.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', rej);
    r.end();
  });
}

test('served: routes, types, caching, no way out of the directory', async () => {
  const index = await rawGet('/servizi/squillo');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cache-control'], 'no-cache');
  const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(index.body.toString())[1];
  const asset = await rawGet(js);
  assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  // Compressed for a browser that takes gzip, the same bytes once
  // inflated; plain for one that does not.
  const gz = await rawGet(js, { 'Accept-Encoding': 'gzip, deflate, br' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['vary'], 'Accept-Encoding');
  assert.ok(gz.body.length < asset.body.length / 2, `${gz.body.length} of ${asset.body.length}`);
  assert.deepEqual(gunzipSync(gz.body), asset.body);
  assert.equal(asset.headers['content-encoding'], undefined);
  assert.equal((await rawGet('/icons/icon-192.png')).headers['content-type'], 'image/png');
  assert.equal((await rawGet('/assets/missing.js')).status, 404);
  for (const p of ['/../../etc/passwd', '/assets/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fstack.env', '/a\\..\\x.js', '/.hidden.js', '//etc/passwd.txt'])
    assert.equal((await rawGet(p)).status, 404, p);
  // The API is never the app: unknown /v1/ paths stay 404 problem JSON.
  const api = await rawGet('/v1/nothing-here');
  assert.equal(api.status, 404);
  assert.match(api.headers['content-type'], /json/);
});

test('PWA: manifest, icons, the service worker caches the shell and never /v1/', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const man = await rawGet('/manifest.webmanifest');
  assert.equal(man.headers['content-type'], 'application/manifest+json');
  const m = JSON.parse(man.body.toString());
  assert.equal(m.name, 'Telefono Virtuale');
  assert.equal(m.display, 'standalone');
  for (const icon of m.icons) {
    const r = await rawGet(icon.src);
    assert.equal(r.status, 200, icon.src);
    assert.equal(r.headers['content-type'], icon.type);
  }
  const ctx = await b.newContext({ baseURL: env.OV_APP_URL, locale: 'it-IT', viewport: { width: 360, height: 740 } });
  const page = await ctx.newPage();
  await uiLogin(page, t, '/servizi/squillo');
  await page.getByRole('heading', { name: 'Configura squillo Simultaneo/Sequenziale' }).waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload(); // now controlled by the worker
  await page.getByRole('heading', { name: 'Configura squillo Simultaneo/Sequenziale' }).waitFor();
  const cached = await page.evaluate(async () => {
    const out = [];
    for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) out.push(new URL(r.url).pathname);
    return out;
  });
  assert.ok(cached.includes('/index.html'), JSON.stringify(cached));
  assert.ok(cached.some((p) => p.startsWith('/assets/app-') && p.endsWith('.js')));
  assert.deepEqual(cached.filter((p) => p.startsWith('/v1/')), []);
  // Offline, the shell still opens (from the cache).
  await ctx.setOffline(true);
  await page.goto('/servizi');
  await page.locator('header .app-name').waitFor();
  await page.getByText(/Il servizio non risponde/).waitFor();
  await ctx.setOffline(false);
  await ctx.close();
});
