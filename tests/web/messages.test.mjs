// "Configura risposta interattiva": a template, its placeholders filled,
// validity and time ranges with native inputs, voice, languages in
// order, the preview heard in the page; no-answer rings.
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

test('messages: closed message filled in, validity, ranges, voice, languages, preview audio', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const page = await newPage(b, env);
  await uiLogin(page, t, '/servizi');
  await page.getByRole('link', { name: 'Configura risposta interattiva' }).click();
  await page.getByRole('heading', { name: 'Risposte interattive' }).waitFor();
  await axe(page, 'messages');
  await page.getByRole('link', { name: /Azienda chiusa/ }).click();
  await page.getByRole('heading', { name: 'Azienda chiusa' }).waitFor();
  await axe(page, 'closed message');

  await page.getByRole('radio', { name: /da \(giorno settimana\) a \(giorno settimana\)\. Grazie e arrivederci/ }).check();
  await page.getByLabel('Apertura', { exact: true }).fill('09:00');
  await page.getByLabel('Chiusura', { exact: true }).fill('18:00');
  await page.getByLabel('Dal giorno', { exact: true }).selectOption('monday');
  await page.getByLabel('Al giorno', { exact: true }).selectOption('friday');
  const filled = await page.locator('.filled').textContent();
  assert.match(filled, /aperti dalle 09:00 alle 18:00 da lunedì a venerdì\./);

  await page.getByLabel('Da – Data', { exact: true }).fill('2026-12-20');
  await page.getByLabel('Da – Ora', { exact: true }).fill('08:00');
  await page.getByLabel('A – Data', { exact: true }).fill('2027-01-06');
  await page.getByLabel('A – Ora', { exact: true }).fill('20:00');
  await page.getByRole('button', { name: 'Aggiungi intervallo di tempo' }).click();
  await page.getByRole('checkbox', { name: 'Intervallo 1: venerdì' }).uncheck();
  await page.getByRole('group', { name: 'Intervallo 1' }).getByLabel('Dalle', { exact: true }).fill('18:00');
  await page.getByRole('group', { name: 'Intervallo 1' }).getByLabel('Alle', { exact: true }).fill('23:59');
  await page.getByRole('radio', { name: 'Uomo' }).check();
  await page.getByRole('checkbox', { name: 'Inglese' }).check();
  await page.getByRole('button', { name: 'Metti prima Inglese' }).click();
  await axe(page, 'closed message filled in');
  await page.getByRole('button', { name: 'Conferma' }).click();
  await page.getByText('Salvato.').waitFor();

  const m = (await t.api('GET', '/v1/config/draft')).json.messages.closed;
  assert.equal(m.enabled, true);
  assert.equal(m.template_id, 'closed_hours');
  assert.deepEqual(m.values, { open: '09:00', close: '18:00', day_from: 'monday', day_to: 'friday' });
  assert.equal(m.valid_from, '2026-12-20T08:00');
  assert.equal(m.valid_to, '2027-01-06T20:00');
  assert.deepEqual(m.ranges, [{ days: ['monday', 'tuesday', 'wednesday', 'thursday'], from: '18:00', to: '23:59' }]);
  assert.equal(m.voice, 'male');
  assert.deepEqual(m.languages, ['en', 'it']);

  // Listen: the IVR's audio plays in the page's <audio>.
  await page.getByRole('button', { name: 'Ascolta anteprima' }).click();
  const audio = page.locator('audio');
  await audio.waitFor({ timeout: 20000 });
  const duration = await audio.evaluate(
    (a) =>
      new Promise((res) => {
        if (a.readyState >= 1) res(a.duration);
        else a.addEventListener('loadedmetadata', () => res(a.duration));
      })
  );
  assert.ok(duration > 2, `the preview lasts ${duration} s`);
  await page.getByText(/We are open from 9 am to 6 pm/).waitFor();
  await page.getByText(/dalle 9 alle 18 da lunedì a venerdì/).waitFor();
  await axe(page, 'closed message with its preview');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('messages: no answer after N rings; Ripristina', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const page = await newPage(b, env);
  await uiLogin(page, t, '/servizi/risposte/no_answer');
  await page.getByRole('heading', { name: 'Libero non risponde' }).waitFor();
  await page.getByRole('radio', { name: /Sarà nostra cura ricontattarla/ }).check();
  await page.getByLabel('Numero di squilli (default 4)').selectOption('5');
  await page.getByRole('radio', { name: 'Donna' }).check();
  await axe(page, 'no-answer message');
  await page.getByRole('button', { name: 'Conferma' }).click();
  await page.getByText('Salvato.').waitFor();
  const m = (await t.api('GET', '/v1/config/draft')).json.messages.no_answer;
  assert.equal(m.template_id, 'no_answer_callback');
  assert.equal(m.rings, 5);
  assert.equal(m.voice, 'female');
  // Changes not confirmed are undone by "Ripristina".
  await page.getByLabel('Numero di squilli (default 4)').selectOption('8');
  await page.getByRole('button', { name: 'Ripristina' }).click();
  assert.equal(await page.getByLabel('Numero di squilli (default 4)').inputValue(), '5');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
