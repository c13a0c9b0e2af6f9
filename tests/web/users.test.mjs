// "Configurazione utenze": add (field errors next to each field, nothing
// typed lost), edit, remove; then "Aggiorna Configurazione" activates
// the new user, who gets the activation mail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, axe, uiLogin, box, waitMail, field } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

async function addUser(page, v) {
  await page.getByRole('button', { name: 'Aggiungi utente' }).click();
  const d = page.getByRole('dialog', { name: 'Nuovo utente' });
  await d.waitFor();
  for (const [label, value] of Object.entries(v)) await box(d, label).fill(value);
  await d.getByRole('button', { name: 'Conferma' }).click();
  return d;
}

test('users: add with field errors, edit, remove, apply sends the activation mail', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const page = await newPage(b, env);
  await uiLogin(page, t);
  await page.getByRole('link', { name: 'Configurazione utenze' }).click();
  await page.getByRole('heading', { name: 'Configurazione utenze' }).waitFor();
  await page.getByRole('button', { name: /Amministratore/ }).waitFor();
  await axe(page, 'users');

  let d = await addUser(page, { Nome: 'Laura Bianchi', Email: `laura@${t.domain}`, Username: 'Laura', 'Interno (2 cifre)': '05' });
  await d.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: /Laura Bianchi/ }).waitFor();

  // A bad e-mail: said next to the e-mail field; the rest stays typed.
  d = await addUser(page, { Nome: 'Mario Rossi', Email: 'mario-at-example', Username: 'Mario', 'Interno (2 cifre)': '05' });
  await d.locator('#u-email-err').waitFor();
  assert.match(await d.locator('#u-email-err').textContent(), /email/);
  assert.equal(await box(d, 'Email').getAttribute('aria-invalid'), 'true');
  assert.equal(await box(d, 'Nome').inputValue(), 'Mario Rossi');
  await axe(page, 'user form with an error');
  // Fixed; now the extension is Laura's: said next to the extension.
  await box(d, 'Email').fill(`mario@${t.domain}`);
  await d.getByRole('button', { name: 'Conferma' }).click();
  await d.locator('#u-extension-err').waitFor();
  assert.equal(await d.locator('#u-email-err').count(), 0);
  assert.equal(await box(d, 'Username').inputValue(), 'Mario');
  await box(d, 'Interno (2 cifre)').fill('01');
  await d.getByRole('button', { name: 'Conferma' }).click();
  await d.waitFor({ state: 'detached' });
  const mario = page.getByRole('button', { name: /Mario Rossi/ });
  await mario.waitFor();
  assert.match(await mario.textContent(), /da attivare/);

  // Edit: Mario's name.
  await mario.click();
  d = page.getByRole('dialog', { name: 'Modifica utente' });
  await box(d, 'Nome').fill('Mario Verdi');
  await d.getByRole('button', { name: 'Conferma' }).click();
  await page.getByRole('button', { name: /Mario Verdi/ }).waitFor();

  // Remove: Laura.
  await page.getByRole('button', { name: /Laura Bianchi/ }).click();
  d = page.getByRole('dialog', { name: 'Modifica utente' });
  await d.getByRole('button', { name: 'Rimuovi' }).click();
  await d.getByText(/Rimuovere Laura Bianchi\?/).waitFor();
  await axe(page, 'remove confirmation');
  await d.getByRole('button', { name: 'Rimuovi' }).click();
  await page.getByRole('button', { name: /Laura Bianchi/ }).waitFor({ state: 'detached' });

  const users = (await t.api('GET', '/v1/users')).json.users;
  assert.deepEqual(users.map((u) => [u.name, u.extension, u.state]).sort(), [['Amministratore', null, 'active'], ['Mario Verdi', '01', 'draft']]);

  // "Aggiorna Configurazione" → popup → "Aggiorna".
  await page.getByRole('button', { name: /Aggiorna Configurazione/ }).click();
  const pop = page.getByRole('dialog', { name: 'Aggiorna Configurazione' });
  await pop.waitFor();
  await axe(page, 'apply popup');
  await pop.getByRole('button', { name: 'Aggiorna', exact: true }).click();
  await pop.getByText(/Configurazione aggiornata \(versione \d+\)/).waitFor();
  await pop.getByText('Utenti attivati: 1. Riceveranno la mail con le credenziali.').waitFor();
  const mail = await waitMail(env, (m) => m.to === `mario@${t.domain}`, 'of activation for Mario');
  assert.equal(field(mail, 'Username'), 'Mario');
  assert.ok(field(mail, 'Password'));
  await pop.getByRole('button', { name: 'Chiudi' }).click();
  const after_ = (await t.api('GET', '/v1/users')).json.users.find((u) => u.username === 'Mario');
  assert.equal(after_.state, 'active');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
