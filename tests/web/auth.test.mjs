// Login, the first login's forced password change, and a forgotten
// password reset through the mail's link: as a person does them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, browser, newPage, axe, waitMail, field, client, box } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

test('login: errors in words; first login forces the password change with live hints', async () => {
  const t = await newTenant(env);
  const page = await newPage(b, env);
  await page.goto('/');
  await page.waitForURL(/\/login\?next=/);
  await axe(page, 'login');

  // A wrong password: the form says so in words.
  await box(page, /^Utenza/).fill(t.number);
  await box(page, 'Username').fill('Amministratore');
  await box(page, 'Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Login' }).click();
  await page.getByText('Utenza, username o password non corretti.').waitFor();
  // A missing number: the service names the field, shown next to it.
  await box(page, /^Utenza/).fill('');
  await page.getByRole('button', { name: 'Login' }).click();
  await page.locator('#number-err').waitFor();
  assert.equal(await box(page, /^Utenza/).getAttribute('aria-invalid'), 'true');
  await axe(page, 'login with errors');

  // The mailed password: the forced change.
  await box(page, /^Utenza/).fill(t.number);
  await box(page, 'Password').fill(t.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL(/\/cambio-password$/);
  await page.getByRole('heading', { name: 'Cambia password' }).waitFor();
  await axe(page, 'password change');

  const rule = (id) => page.locator(`[data-rule="${id}"]`);
  const okRules = async () => page.locator('[data-ok="true"]').evaluateAll((els) => els.map((e) => e.dataset.rule).sort());
  const nw = box(page, 'Nuova password');
  await nw.pressSequentially('abc');
  assert.deepEqual(await okRules(), ['lower']);
  await nw.pressSequentially('DEF12');
  assert.deepEqual(await okRules(), ['digit', 'length', 'lower', 'upper']);
  assert.equal(await rule('special').getAttribute('data-ok'), 'false');
  await nw.pressSequentially('#');
  assert.deepEqual(await okRules(), ['digit', 'length', 'lower', 'special', 'upper']);
  await box(page, 'Conferma password').fill('abcDEF12#');
  assert.equal(await rule('match').getAttribute('data-ok'), 'true');

  // A wrong old password: named next to its field, nothing typed lost.
  await box(page, 'Vecchia password').fill('wrong-old');
  await page.getByRole('button', { name: 'Cambia password' }).click();
  await page.locator('#old_password-err').waitFor();
  assert.equal(await nw.inputValue(), 'abcDEF12#');

  await box(page, 'Vecchia password').fill(t.password);
  await page.getByRole('button', { name: 'Cambia password' }).click();
  await page.getByText('PASSWORD CAMBIATA!').waitFor();
  await page.getByText('Logout in corso...').waitFor();
  await page.waitForURL(/\/login$/, { timeout: 10000 });
  // The old password no longer works; the new one does (backend).
  const anon = client(env);
  assert.equal((await anon('POST', '/v1/auth/login', { number: t.number, username: 'Amministratore', password: t.password })).status, 401);
  const r = await anon('POST', '/v1/auth/login', { number: t.number, username: 'Amministratore', password: 'abcDEF12#' });
  assert.equal(r.status, 200);
  assert.equal(r.json.must_change_password, false);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('forgot password: the mail links to the app, which resets it', async () => {
  const t = await newTenant(env);
  const page = await newPage(b, env);
  await page.goto('/login');
  await box(page, /^Utenza/).fill(t.number);
  await box(page, 'Username').fill('Amministratore');
  await page.getByRole('link', { name: 'Password dimenticata?' }).click();
  await page.waitForURL(/\/password-dimenticata/);
  assert.equal(await box(page, /^Utenza/).inputValue(), t.number);
  await axe(page, 'forgot');
  await page.getByRole('button', { name: 'Invia codice' }).click();
  await page.getByText(/riceverai a breve una mail/).waitFor();

  const mail = await waitMail(env, (m) => m.to === `admin@${t.domain}` && field(m, 'Codice'), 'with the reset code');
  const code = field(mail, 'Codice');
  const link = /(http\S+\/password)\b/.exec(mail.text);
  assert.ok(link, 'the reset mail has a link');
  assert.ok(link[1].startsWith(env.OV_APP_URL.replace(/\/$/, '')), `the link ${link[1]} points at the app`);

  await page.goto(link[1]);
  await page.getByRole('heading', { name: 'Reimposta password' }).waitFor();
  await axe(page, 'reset');
  await box(page, /^Utenza/).fill(t.number);
  await box(page, 'Username').fill('Amministratore');
  await box(page, 'Codice ricevuto per mail').fill('WRONGCODE1');
  await box(page, 'Nuova password').fill('Reset.Pass42');
  await box(page, 'Conferma password').fill('Reset.Pass42');
  await page.getByRole('button', { name: 'Reimposta password' }).click();
  await page.locator('#code-err').waitFor();
  await box(page, 'Codice ricevuto per mail').fill(code);
  await page.getByRole('button', { name: 'Reimposta password' }).click();
  await page.getByText(/Password cambiata/).waitFor();
  const r = await client(env)('POST', '/v1/auth/login', { number: t.number, username: 'Amministratore', password: 'Reset.Pass42' });
  assert.equal(r.status, 200);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
