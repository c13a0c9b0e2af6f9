// Real calls on SIPp, then the screens that show them: "Chiamate
// recenti" of the caller and of who answered (a contact's name for an
// outside number, the "Perse" tab), and "Chiamate di oggi" (admin).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, browser, newPage, axe, uiLogin, applyNow, register, freeUdpPort, sipp, until, company } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

// Laura's phone answers one call (tests/sipp/uas.xml).
function answer(port) {
  return sipp(env, 'uas.xml', [], { port, limit: '30s' });
}

test('calls: recent calls of both people, missed in red, and today', async () => {
  const { t, users: { Mario: mario, Laura: laura } } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const lauraId = (await t.api('GET', '/v1/users')).json.users.find((u) => u.username === 'Laura').id;
  assert.equal((await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 3, members: [{ type: 'user', id: lauraId }] })).status, 200);
  await applyNow(t);
  // Laura's personal contact: the outside caller gets a name.
  assert.equal((await laura.api('POST', '/v1/me/contacts', { name: 'Giulia Neri', numbers: [{ label: 'mobile', number: '+39 335 123 4567' }] })).status, 201);
  const mport = await freeUdpPort();
  const lport = await freeUdpPort();
  await register(env, mario, mport);
  await register(env, laura, lport);

  // 1. Mario calls Laura's extension; she answers.
  let phone = answer(lport);
  let r = await sipp(env, 'call_device.xml', ['-s', '05', '-key', 'from', mario.sip.username, '-key', 'domain', mario.sip.domain, '-au', mario.sip.auth_username, '-ap', mario.sip.password, '-d', '1200'], { port: mport, limit: '30s' });
  assert.equal(r.code, 0, r.out);
  assert.equal((await phone).code, 0);
  // 2. An outside caller calls the fixed number; Laura answers.
  phone = answer(lport);
  r = await sipp(env, 'call.xml', ['-s', t.number, '-key', 'from', '3351234567', '-key', 'domain', mario.sip.domain, '-d', '200'], { port: Number(env.OV_TRUNK_IN_PORT), limit: '30s' });
  assert.equal(r.code, 0, r.out);
  assert.equal((await phone).code, 0);
  // 3. Another outside caller, and Laura's phone is busy: missed.
  phone = sipp(env, 'uas_busy.xml', [], { port: lport, limit: '30s' });
  r = await sipp(env, 'call_fail.xml', ['-s', t.number, '-key', 'from', '3479876543', '-key', 'domain', laura.sip.domain], { port: Number(env.OV_TRUNK_IN_PORT), limit: '30s', expect: 486 });
  assert.equal(r.code, 0, r.out);
  assert.equal((await phone).code, 0);
  const lcalls = await until(async () => {
    const c = (await laura.api('GET', '/v1/me/calls')).json.calls;
    return c.length >= 3 && c.every((x) => x.outcome !== 'ringing') && c;
  }, 'three calls in Laura\'s history');

  // Laura's recent calls: the missed one in red, the contact's name.
  let page = await newPage(b, env);
  await uiLogin(page, laura);
  await page.getByRole('link', { name: 'Chiamate recenti' }).click();
  await page.getByRole('heading', { name: 'Chiamate recenti' }).waitFor();
  const items = page.locator('#recents-list li');
  await until(async () => (await items.count()) === lcalls.length, 'the list');
  const fromMario = items.filter({ hasText: 'Mario Rossi' });
  assert.match(await fromMario.textContent(), /05|01/);
  assert.equal(await fromMario.getByRole('img', { name: 'Ricevuta, risposta' }).count(), 1);
  assert.match(await fromMario.locator('time').textContent(), /^\d\d:\d\d$/);
  assert.match(await fromMario.textContent(), /0:0[1-9]/);
  const giulia = items.filter({ hasText: 'Giulia Neri' });
  assert.match(await giulia.textContent(), /3351234567/);
  const missed = items.filter({ hasText: '3479876543' });
  assert.equal(await missed.getByRole('img', { name: 'Ricevuta, persa' }).count(), 1);
  assert.equal(await missed.evaluate((el) => getComputedStyle(el.querySelector('.name')).color), 'rgb(179, 38, 30)');
  await axe(page, 'recent calls');
  await page.getByRole('tab', { name: 'Perse' }).click();
  await until(async () => (await items.count()) === 1, 'only the missed call');
  assert.match(await items.first().textContent(), /3479876543/);
  await axe(page, 'recent calls, missed');
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // Mario's: the call he made, out, to Laura.
  page = await newPage(b, env);
  await uiLogin(page, mario, '/recenti');
  const toLaura = page.locator('#recents-list li').filter({ hasText: 'Laura Verdi' });
  await toLaura.waitFor();
  assert.equal(await toLaura.getByRole('img', { name: 'Effettuata, risposta' }).count(), 1);
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // The admin's day: answered and missed as big numbers, the calls.
  const today = (await t.api('GET', '/v1/calls/today')).json;
  page = await newPage(b, env);
  await uiLogin(page, t);
  await page.getByRole('link', { name: 'Chiamate di oggi' }).click();
  await page.getByRole('heading', { name: 'Chiamate di oggi', level: 1 }).waitFor();
  const stat = (name) => page.locator('.stat').filter({ hasText: name }).locator('.big');
  await stat('risposte oggi').filter({ hasText: String(today.answered) }).waitFor();
  assert.equal(today.answered, 1);
  assert.equal(today.missed, 1);
  assert.equal(await stat('perse oggi').textContent(), '1');
  const day = page.getByRole('list', { name: 'Chiamate di oggi' }).getByRole('listitem');
  assert.equal(await day.count(), today.calls.length);
  assert.match(await day.filter({ hasText: '3351234567' }).textContent(), /risposto da Laura Verdi/);
  await day.filter({ hasText: '3479876543' }).waitFor();
  await page.getByText('Nessuna chiamata in corso.').waitFor();
  await axe(page, 'today');

  // A call in progress: seen within the 5-s refresh, then gone.
  phone = answer(lport);
  const call = sipp(env, 'call.xml', ['-s', t.number, '-key', 'from', '3331112222', '-key', 'domain', laura.sip.domain, '-d', '8000'], { port: Number(env.OV_TRUNK_IN_PORT), limit: '30s' });
  const now = page.getByRole('list', { name: 'In corso ora' }).getByRole('listitem');
  await now.filter({ hasText: '3331112222' }).waitFor({ timeout: 7500 });
  assert.match(await now.first().textContent(), /risposto da Laura Verdi.*dalle \d\d:\d\d/);
  await axe(page, 'today, a call in progress');
  assert.equal((await call).code, 0);
  await phone;
  await stat('risposte oggi').filter({ hasText: '2' }).waitFor({ timeout: 7500 });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
