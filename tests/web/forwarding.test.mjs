// "Devia la chiamata": the four rules with their numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, axe, uiLogin, box } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

test('forwarding: the four rules, a refused number said next to it', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const page = await newPage(b, env);
  await uiLogin(page, t, '/servizi');
  await page.getByRole('link', { name: 'Devia la chiamata' }).click();
  await page.getByRole('heading', { name: 'Devia la chiamata' }).waitFor();
  for (const rule of ['Incondizionato', 'Nessuna risposta', 'Non raggiungibile', 'Occupato']) await page.getByRole('group', { name: rule }).waitFor();
  await axe(page, 'forwarding');

  await page.getByRole('checkbox', { name: 'Attiva Nessuna risposta' }).check();
  await box(page, 'Numero per Nessuna risposta').fill('333 123 4567');
  await page.getByRole('checkbox', { name: 'Attiva Occupato' }).check();
  await box(page, 'Numero per Occupato').fill('899 123456'); // premium: refused
  await page.getByRole('button', { name: 'Conferma' }).click();
  await page.locator('#fwd-err').waitFor();
  assert.equal(await box(page, 'Numero per Occupato').getAttribute('aria-invalid'), 'true');
  assert.equal(await box(page, 'Numero per Nessuna risposta').inputValue(), '333 123 4567');
  await axe(page, 'forwarding with an error');

  await box(page, 'Numero per Occupato').fill('06 9876 5432');
  await page.getByRole('button', { name: 'Conferma' }).click();
  await page.getByText('Salvato.').waitFor();
  const f = (await t.api('GET', '/v1/config/draft')).json.forwarding;
  assert.deepEqual(f.no_answer, { enabled: true, number: '+393331234567' });
  assert.deepEqual(f.busy, { enabled: true, number: '+390698765432' });
  assert.equal(f.unconditional.enabled, false);
  assert.equal(f.unreachable.enabled, false);
  // The page shows what the draft stored.
  assert.equal(await box(page, 'Numero per Nessuna risposta').inputValue(), '+393331234567');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
