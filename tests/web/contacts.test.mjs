// "Rubrica aziendale": colleagues with extension and live status, a
// search, a status change seen within the refresh. "Contatti
// personali": add with a refused number next to its field, search,
// edit, delete with a confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, axe, uiLogin, box, applyNow, activeUser } from './lib.mjs';

let env, b, t, mario;
before(async () => {
  env = await stackUp();
  b = await browser();
  // One company for both tests: Mario (01) and Laura (05), applied.
  t = await prepareAdmin(await newTenant(env));
  for (const [name, username, extension] of [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']])
    assert.equal((await t.api('POST', '/v1/users', { name, username, extension, email: `${username.toLowerCase()}@${t.domain}` })).status, 201);
  await applyNow(t);
  mario = await activeUser(t, 'Mario');
});
after(async () => {
  await b?.close();
  stackDown();
});

test('directory: colleagues, search, a status change within the refresh', async () => {
  const laura = await activeUser(t, 'Laura');
  const page = await newPage(b, env);
  await uiLogin(page, mario);
  await page.getByRole('link', { name: 'Rubrica aziendale' }).click();
  await page.getByRole('heading', { name: 'Rubrica aziendale' }).waitFor();
  const entry = (name) => page.getByRole('listitem', { name, exact: true });
  await entry('Laura Verdi').waitFor();
  assert.match(await entry('Laura Verdi').textContent(), /Interno 05.*non connesso.*Disponibile/);
  assert.match(await entry('Mario Rossi').textContent(), /Interno 01/);
  await axe(page, 'directory');
  // Search: by extension.
  await page.getByRole('searchbox', { name: /^Cerca/ }).fill('05');
  await entry('Mario Rossi').waitFor({ state: 'detached' });
  await entry('Laura Verdi').waitFor();
  // Laura sets do-not-disturb in her app: seen here within 10 s.
  assert.equal((await laura.api('PATCH', '/v1/me', { presence: 'dnd' })).status, 200);
  const t0 = Date.now();
  await entry('Laura Verdi').getByText('Non disturbare').waitFor({ timeout: 12000 });
  assert.ok(Date.now() - t0 < 12000);
  await axe(page, 'directory after a change');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('contacts: add with a field error, search, edit, delete', async () => {
  const page = await newPage(b, env);
  await uiLogin(page, mario);
  await page.getByRole('link', { name: 'Contatti personali' }).click();
  await page.getByRole('heading', { name: 'Contatti personali' }).waitFor();
  await page.getByText('Nessun contatto').waitFor();
  await axe(page, 'contacts, empty');

  await page.getByRole('button', { name: 'Aggiungi contatto' }).click();
  const d = page.getByRole('dialog', { name: 'Nuovo contatto' });
  await box(d, 'Nome').fill('Giulia Neri');
  await box(d, 'Numero 1').fill('+39 335 123-4567');
  await d.getByRole('button', { name: '+ Aggiungi numero' }).click();
  await d.getByRole('combobox', { name: 'Tipo del numero 2' }).selectOption('work');
  await box(d, 'Numero 2').fill('3');
  await box(d, 'Email').fill('giulia@example.com');
  await box(d, 'Azienda').fill('Neri Srl');
  await box(d, 'Note').fill('Fornitore.\nChiamare al mattino.');
  await d.getByRole('button', { name: 'Conferma' }).click();
  // "3" is not a number: said next to number 2; nothing typed lost.
  await d.locator('#c-number-1-err').waitFor();
  assert.equal(await box(d, 'Numero 2').getAttribute('aria-invalid'), 'true');
  assert.equal(await d.locator('#c-number-0-err').count(), 0);
  assert.equal(await box(d, 'Nome').inputValue(), 'Giulia Neri');
  assert.equal(await box(d, 'Note').inputValue(), 'Fornitore.\nChiamare al mattino.');
  await axe(page, 'contact form with an error');
  await box(d, 'Numero 2').fill('06 1234 5678');
  await d.getByRole('button', { name: 'Conferma' }).click();
  await d.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: /^Giulia Neri/ }).waitFor();
  let list = (await mario.api('GET', '/v1/me/contacts')).json.contacts;
  assert.equal(list.length, 1);
  assert.deepEqual(list[0].numbers, [{ label: 'mobile', number: '+393351234567' }, { label: 'work', number: '0612345678' }]);
  assert.equal(list[0].email, 'giulia@example.com');
  assert.equal(list[0].company, 'Neri Srl');
  assert.equal(list[0].note, 'Fornitore.\nChiamare al mattino.');

  // A second one through the API; the search finds each by its number.
  assert.equal((await mario.api('POST', '/v1/me/contacts', { name: 'Paolo Bruni', numbers: [{ label: 'home', number: '0298765432' }] })).status, 201);
  await page.reload();
  await page.getByRole('button', { name: /^Paolo Bruni/ }).waitFor();
  await page.getByRole('searchbox', { name: /^Cerca/ }).fill('335 1234');
  await page.getByRole('button', { name: /^Paolo Bruni/ }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: /^Giulia Neri/ }).waitFor();
  await axe(page, 'contacts, searched');

  // Edit: the company cleared, a number removed.
  await page.getByRole('button', { name: /^Giulia Neri/ }).click();
  const e = page.getByRole('dialog', { name: 'Modifica contatto' });
  await box(e, 'Azienda').fill('');
  await e.getByRole('button', { name: 'Togli il numero 2' }).click();
  await e.getByRole('button', { name: 'Conferma' }).click();
  await e.waitFor({ state: 'detached' });
  const g = (await mario.api('GET', '/v1/me/contacts')).json.contacts.find((c) => c.name === 'Giulia Neri');
  assert.equal(g.company, null);
  assert.deepEqual(g.numbers, [{ label: 'mobile', number: '+393351234567' }]);

  // Delete, asked first.
  await page.getByRole('button', { name: /^Giulia Neri/ }).click();
  await e.getByRole('button', { name: 'Elimina' }).click();
  await e.getByText('Eliminare Giulia Neri dai contatti?').waitFor();
  await axe(page, 'delete confirmation');
  await e.getByRole('button', { name: 'Elimina' }).click();
  await page.getByRole('button', { name: /^Giulia Neri/ }).waitFor({ state: 'detached' });
  list = (await mario.api('GET', '/v1/me/contacts')).json.contacts;
  assert.deepEqual(list.map((c) => c.name), ['Paolo Bruni']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
