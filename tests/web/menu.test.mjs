// The menu: profile and photo, presence, devices, settings (language),
// logout of every session (this one and another device's); an expired
// session comes back where it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, axe, uiLogin, box, client, ROOT } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

test('menu: photo, presence, devices, language, logout', async () => {
  const t = await prepareAdmin(await newTenant(env));
  // A device of the admin's, as the app's softphone would ask for it.
  assert.equal((await t.api('GET', '/v1/me/sip?device=app')).status, 200);
  const page = await newPage(b, env);
  await uiLogin(page, t);
  await page.getByRole('heading', { name: /Ciao Amministratore/ }).waitFor();
  await axe(page, 'home');

  // The menu by keyboard: focus goes in, Escape closes it.
  await page.getByRole('button', { name: 'Apri il menu' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Menu' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Chiudi il menu');
  await page.keyboard.press('Escape');
  await page.getByRole('navigation', { name: 'Menu' }).waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Apri il menu');
  await page.getByRole('button', { name: 'Apri il menu' }).click();
  await page.getByRole('navigation', { name: 'Menu' }).waitFor();
  await axe(page, 'menu');
  // Presence from the menu: do-not-disturb reaches the backend.
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('radio', { name: 'Non disturbare' }).check();
  await expectMe(t, (m) => m.presence === 'dnd');
  await page.getByRole('link', { name: 'Profilo' }).click();
  await page.waitForURL(/\/profilo$/);
  await axe(page, 'profile');
  const png = join(ROOT, 'build', 'web', 'icons', 'icon-192.png');
  await page.locator('input[type=file]').setInputFiles(png);
  await page.getByText('Foto aggiornata.').waitFor();
  await page.getByRole('img', { name: 'Foto del profilo' }).waitFor();
  const me = await expectMe(t, (m) => m.has_photo);
  assert.ok(me.has_photo);
  const r = await fetch(env.OV_ADMIN_HTTP + '/v1/me/photo', { headers: { Authorization: `Bearer ${t.token}` } });
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), readFileSync(png));

  await page.goto('/dispositivi');
  await page.getByText('amministratore.app').waitFor();
  await page.getByText('Non registrato').waitFor();
  await axe(page, 'devices');

  await page.goto('/impostazioni');
  await axe(page, 'settings');
  await page.getByRole('radio', { name: 'English' }).check();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByRole('button', { name: 'Back' }).waitFor();
  await page.goto('/');
  await page.getByRole('button', { name: 'Open the menu' }).click();
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('radio', { name: 'Available' }).check();
  await expectMe(t, (m) => m.presence === 'available');
  await axe(page, 'menu in English');
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('ov.session')).token);
  // Another session of the same person (another device).
  assert.equal((await t.api('GET', '/v1/me')).status, 200);
  await page.getByRole('button', { name: 'Logout' }).click();
  await page.waitForURL(/\/login$/);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  // Every session is gone: the app's and the other device's.
  assert.equal((await client(env, token)('GET', '/v1/me')).status, 401);
  assert.equal((await t.api('GET', '/v1/me')).status, 401);
  assert.equal(await page.evaluate(() => localStorage.getItem('ov.session')), null);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an expired session goes to login and back where it was', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const page = await newPage(b, env);
  await uiLogin(page, t, '/servizi/deviazione');
  await page.getByRole('heading', { name: 'Devia la chiamata' }).waitFor();
  // The person leaves the app; meanwhile the session ends elsewhere (a
  // logout on another device); they come back to the page they were on.
  // (Left open, the page may notice by itself first: its phone asks for
  // credentials again after a failed registration, and a 401 there shows
  // the notice on the old page, not on a reloaded one.)
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('ov.session')).token);
  await page.goto('about:blank');
  assert.equal((await client(env, token)('POST', '/v1/auth/logout')).status < 300, true);
  await page.goto('/servizi/deviazione');
  await page.waitForURL(/\/login\?next=%2Fservizi%2Fdeviazione$/);
  await page.getByText('La sessione è scaduta: accedi di nuovo.').waitFor();
  await box(page, 'Password').fill(t.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/servizi\/deviazione$/);
  await page.getByRole('heading', { name: 'Devia la chiamata' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

async function expectMe(t, pred) {
  const end = Date.now() + 5000;
  for (;;) {
    const m = (await t.api('GET', '/v1/me')).json;
    if (pred(m)) return m;
    if (Date.now() > end) throw new Error('profile not as expected: ' + JSON.stringify(m));
    await new Promise((r) => setTimeout(r, 100));
  }
}
