// "Aggiorna Configurazione" with its count and the changes in words,
// then "Prova la configurazione": nothing applied yet, a refused
// number next to its field, a ring step naming the member, and the
// member skipped once they set do-not-disturb.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, axe, uiLogin, box, waitMail, field, activeUser, register, freeUdpPort, until } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

test('apply: the count and the changes in words; try it: ring, then skipped for do-not-disturb', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const page = await newPage(b, env);
  await uiLogin(page, t, '/servizi/prova');
  await page.getByRole('heading', { name: 'Prova la configurazione' }).waitFor();

  // Nothing applied yet: said in words.
  await box(page, 'Numero del chiamante').fill('335 1234567');
  await page.getByRole('button', { name: 'Prova', exact: true }).click();
  await page.getByText('Nessuna configurazione attiva').waitFor();
  await axe(page, 'try it, nothing applied');

  // Laura (05) added on the users screen: the green button counts it.
  await page.goto('/utenze');
  await page.getByRole('button', { name: 'Aggiungi utente' }).click();
  const d = page.getByRole('dialog', { name: 'Nuovo utente' });
  await box(d, 'Nome').fill('Laura');
  await box(d, 'Email').fill(`laura@${t.domain}`);
  await box(d, 'Username').fill('Laura');
  await box(d, 'Interno (2 cifre)').fill('05');
  await d.getByRole('button', { name: 'Conferma' }).click();
  await d.waitFor({ state: 'detached' });
  const diff = (await t.api('GET', '/v1/config/diff')).json;
  assert.ok(diff.pending >= 1 && diff.changes.some((c) => c.text_it === 'Nuovo utente: Laura (05)'), JSON.stringify(diff));
  const green = page.getByRole('button', { name: `Aggiorna Configurazione (${diff.pending})` });
  await green.waitFor();
  await green.click();
  const pop = page.getByRole('dialog', { name: 'Aggiorna Configurazione' });
  await pop.getByRole('listitem').filter({ hasText: 'Nuovo utente: Laura (05)' }).waitFor();
  assert.equal(await pop.getByRole('listitem').count(), diff.pending);
  await axe(page, 'apply popup with changes');
  await pop.getByRole('button', { name: 'Aggiorna', exact: true }).click();
  await pop.getByText(/Configurazione aggiornata \(versione \d+\)/).waitFor();
  await pop.getByRole('button', { name: 'Chiudi' }).click();
  // The count is gone, here and in the backend; Laura gets her mail.
  await page.getByRole('button', { name: 'Aggiorna Configurazione', exact: true }).waitFor();
  assert.equal((await t.api('GET', '/v1/config/diff')).json.pending, 0);
  await waitMail(env, (m) => m.to === `laura@${t.domain}` && field(m, 'Password'), 'of activation for Laura');

  // Ringing: Laura only; the count follows the change, in English too.
  const laura = await activeUser(t, 'Laura');
  const id = (await t.api('GET', '/v1/users')).json.users.find((u) => u.username === 'Laura').id;
  assert.equal((await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 4, members: [{ type: 'user', id }] })).status, 200);
  await page.goto('/servizi');
  await page.getByRole('button', { name: /^Aggiorna Configurazione \(\d+\)$/ }).click();
  await pop.getByRole('listitem').filter({ hasText: /^Ordine di squillo: .*Laura$/ }).waitFor();
  await page.evaluate(() => localStorage.setItem('ov.lang', 'en'));
  await page.reload();
  await page.getByRole('button', { name: /^Update configuration \(\d+\)$/ }).click();
  const popEn = page.getByRole('dialog', { name: 'Update configuration' });
  await popEn.getByRole('listitem').filter({ hasText: /^Ringing order: .*Laura$/ }).waitFor();
  await popEn.getByRole('button', { name: 'Update', exact: true }).click();
  await popEn.getByText(/Configuration updated/).waitFor();
  await popEn.getByRole('button', { name: 'Close' }).click();
  await page.evaluate(() => localStorage.setItem('ov.lang', 'it'));

  // Laura's phone is connected: the plan rings her.
  await register(env, laura, await freeUdpPort());
  await page.goto('/servizi');
  await page.getByRole('link', { name: 'Prova la configurazione' }).click();
  await page.getByRole('heading', { name: 'Prova la configurazione' }).waitFor();
  // A wrong number: next to the field, nothing typed lost.
  await box(page, 'Numero del chiamante').fill('abc');
  await page.getByRole('button', { name: 'Prova', exact: true }).click();
  await page.locator('#sim-from-err').waitFor();
  assert.equal(await box(page, 'Numero del chiamante').inputValue(), 'abc');
  await box(page, 'Numero del chiamante').fill('335 1234567');
  await page.getByLabel('Giorno').fill('2026-12-14');
  await page.getByLabel('Ora').fill('10:00');
  await page.getByRole('button', { name: 'Prova', exact: true }).click();
  const plan = page.getByRole('region', { name: 'Cosa succede alla chiamata' });
  await plan.locator('ol li').filter({ hasText: 'Laura (05)' }).first().waitFor();
  assert.match(await plan.locator('ol li').first().textContent(), /squill.*Laura \(05\)/);
  assert.equal(await plan.getByText('Non squillano').count(), 0);
  await axe(page, 'try it, a plan');

  // Laura sets do-not-disturb (her app): the plan skips her, in words.
  assert.equal((await laura.api('PATCH', '/v1/me', { presence: 'dnd' })).status, 200);
  await until(async () => {
    await page.getByRole('button', { name: 'Prova', exact: true }).click();
    await page.waitForTimeout(300);
    return (await plan.getByText('Laura (05): non disturbare').count()) === 1;
  }, 'Laura skipped for do-not-disturb');
  await axe(page, 'try it, skipped');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
