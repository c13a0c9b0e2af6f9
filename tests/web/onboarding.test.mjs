// After the first login: the consents (call account required) and the
// tutorial, shown once and replayable from the menu.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, axe, uiLogin } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

test('consents then the tutorial, once; the tutorial again from the menu', async () => {
  const t = await prepareAdmin(await newTenant(env), { consents: false, tutorial: false });
  const page = await newPage(b, env);
  await uiLogin(page, t);
  await page.waitForURL(/\/consensi$/);
  await page.getByRole('heading', { name: 'Consensi' }).waitFor();
  await axe(page, 'consents');
  // Without the call-account permission the app does not go on.
  await page.getByRole('checkbox', { name: /Accesso alla fotocamera/ }).check();
  await page.getByRole('button', { name: 'Continua' }).click();
  await page.getByText('Serve almeno il consenso ai permessi account chiamata.').waitFor();
  await page.getByRole('checkbox', { name: /Permessi account chiamata/ }).check();
  await page.getByRole('button', { name: 'Continua' }).click();

  // The tutorial: the guide's four pages.
  await page.waitForURL(/\/tutorial$/);
  await page.getByText('Benvenuto su Telefono Virtuale!!!').waitFor();
  await axe(page, 'tutorial');
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.getByText(/Con il tasto menu è possibile visualizzare il proprio profilo/).waitFor();
  await page.getByRole('button', { name: 'Pagina 4 di 4' }).click();
  await page.getByText(/E' possibile effettuare chiamate verso cellulari/).waitFor();
  await page.getByRole('button', { name: /Fine/ }).click();
  await page.waitForURL((u) => u.pathname === '/');

  const me = (await t.api('GET', '/v1/me')).json;
  assert.equal(me.tutorial_seen, true);
  const c = Object.fromEntries(me.consents.map((x) => [x.id, x]));
  assert.equal(c.call_account.granted, true);
  assert.equal(c.call_account.version, '1');
  assert.equal(c.camera.granted, true);
  assert.equal(c.contacts.granted, false);

  // Shown once: a new login goes home.
  await page.context().clearCookies();
  await page.evaluate(() => localStorage.removeItem('ov.session'));
  await uiLogin(page, t);
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByRole('heading', { name: /Ciao/ }).waitFor();

  // Replayable from the menu; "Salta" leaves it.
  await page.getByRole('button', { name: 'Apri il menu' }).click();
  await page.getByRole('link', { name: 'Tutorial' }).click();
  await page.getByText('Benvenuto su Telefono Virtuale!!!').waitFor();
  await page.getByRole('button', { name: /Salta/ }).click();
  await page.waitForURL((u) => u.pathname === '/');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
