// "Configura squillo": members incl. "Fibra Principale", order by drag
// and by keyboard, rings, Ripristina/Conferma; the draft shows it.
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

const names = (page) => page.locator('.ring-list li .member .name').allTextContents();

test('ringing: choose members, order them by drag and by keyboard, rings', async () => {
  const t = await prepareAdmin(await newTenant(env));
  const ids = {};
  for (const [name, username, extension] of [['Mario Rossi', 'Mario', '01'], ['Sara Bianchi', 'Sara', '02']]) {
    const r = await t.api('POST', '/v1/users', { name, username, extension, email: `${username.toLowerCase()}@${t.domain}` });
    assert.equal(r.status, 201);
    ids[username] = r.json.id;
  }
  const page = await newPage(b, env);
  await uiLogin(page, t, '/servizi');
  await page.getByRole('link', { name: 'Configura squillo simultaneo/sequenziale' }).click();
  await page.getByRole('heading', { name: 'Configura squillo Simultaneo/Sequenziale' }).waitFor();
  assert.deepEqual(await names(page), ['Fibra Principale', 'Amministratore', 'Mario Rossi', 'Sara Bianchi']);
  assert.equal(await page.getByRole('checkbox', { name: 'Fa squillare Fibra Principale' }).isChecked(), true);
  await axe(page, 'ringing');

  await page.getByRole('checkbox', { name: 'Fa squillare Mario Rossi' }).check();
  await page.getByRole('checkbox', { name: 'Fa squillare Sara Bianchi' }).check();

  // Drag Sara's handle above the first member.
  const handle = page.getByRole('button', { name: /^Trascina Sara Bianchi/ });
  const from = await handle.boundingBox();
  const top = await page.locator('.ring-list li').first().boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2 - ((from.y - top.y + 10) * i) / 8);
  await page.mouse.up();
  assert.deepEqual(await names(page), ['Sara Bianchi', 'Fibra Principale', 'Amministratore', 'Mario Rossi']);

  // The keyboard: arrow up on Mario's handle, then the ▲ button.
  await page.getByRole('button', { name: /^Trascina Mario Rossi/ }).focus();
  await page.keyboard.press('ArrowUp');
  assert.deepEqual(await names(page), ['Sara Bianchi', 'Fibra Principale', 'Mario Rossi', 'Amministratore']);
  // Focus stays on the moved item's handle: a second press moves it on.
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /Mario Rossi/);
  await page.getByRole('button', { name: 'Sposta su Mario Rossi' }).click();
  assert.deepEqual(await names(page), ['Sara Bianchi', 'Mario Rossi', 'Fibra Principale', 'Amministratore']);

  await page.getByLabel('Numero di squilli (default 4)').selectOption('6');
  // "Ripristina" brings back the draft as it was; redo and confirm.
  await page.getByRole('button', { name: 'Ripristina' }).click();
  assert.deepEqual(await names(page), ['Fibra Principale', 'Amministratore', 'Mario Rossi', 'Sara Bianchi']);
  await page.getByRole('checkbox', { name: 'Fa squillare Mario Rossi' }).check();
  await page.getByRole('checkbox', { name: 'Fa squillare Sara Bianchi' }).check();
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Sposta su Sara Bianchi' }).click();
  for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Sposta su Mario Rossi' }).click();
  await page.getByLabel('Numero di squilli (default 4)').selectOption('6');
  await page.getByRole('button', { name: 'Conferma' }).click();
  await page.getByText('Salvato.').waitFor();

  let d = (await t.api('GET', '/v1/config/draft')).json;
  assert.equal(d.ringing.mode, 'sequential');
  assert.equal(d.ringing.rings, 6);
  assert.deepEqual(d.ringing.members, [{ type: 'user', id: ids.Sara }, { type: 'user', id: ids.Mario }, { type: 'main_line' }]);

  // Simultaneous: the selected members at once.
  await page.getByRole('radio', { name: 'Simultaneo' }).check();
  await page.getByRole('checkbox', { name: 'Fa squillare Fibra Principale' }).uncheck();
  await axe(page, 'ringing simultaneous');
  await page.getByRole('button', { name: 'Conferma' }).click();
  await page.getByText('Salvato.').waitFor();
  d = (await t.api('GET', '/v1/config/draft')).json;
  assert.equal(d.ringing.mode, 'simultaneous');
  assert.deepEqual(d.ringing.members, [{ type: 'user', id: ids.Sara }, { type: 'user', id: ids.Mario }]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
