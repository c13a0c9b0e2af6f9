// The phone in the app (web/src/phone.js): after login the browser
// registers over SIP over WebSocket as the person's "web" device, says
// so, receives a call to the person's extension, and unregisters on
// logout. docs/app.md, "The phone"; docs/edge.md, "SIP over WebSocket".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, stackUp, stackDown, browser, newPage, uiLogin, register, freeUdpPort, sipp, until, company } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

async function webBindings(u) {
  const r = await u.api('GET', '/v1/me/devices');
  assert.equal(r.status, 200);
  const d = r.json.devices.find((x) => x.device === 'web');
  return d ? d.bindings : [];
}

test('phone: registers over ws after login, rings on a call, unregisters on logout', async () => {
  const { users: { Mario: mario, Laura: laura } } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);

  // 1. Laura logs in: the app registers by itself and says so.
  const page = await newPage(b, env);
  await uiLogin(page, laura);
  const status = page.locator('.phone-status');
  await status.and(page.locator('[data-phone-state="registered"]')).waitFor({ timeout: 15000 });
  assert.match(await status.textContent(), /Telefono attivo/);
  const bs = await until(async () => {
    const x = await webBindings(laura);
    return x.length > 0 && x;
  }, 'the web device registered');
  assert.equal(bs.length, 1, JSON.stringify(bs));
  assert.match(bs[0].received, /;transport=ws$/);
  assert.match(bs[0].contact, /\.invalid;transport=ws/);
  assert.match(bs[0].user_agent, /JsSIP/);

  // 2. Mario (SIPp) calls Laura's extension: the INVITE reaches the
  // browser over its WebSocket (answering: phone-audio.test.mjs).
  const mport = await freeUdpPort();
  await register(env, mario, mport);
  const call = sipp(env, 'call_device.xml', ['-s', '05', '-key', 'from', mario.sip.username, '-key', 'domain', mario.sip.domain, '-au', mario.sip.auth_username, '-ap', mario.sip.password, '-d', '200'], { port: mport, limit: '12s' });
  await page.locator('.phone-status[data-phone-calls="1"]').waitFor({ timeout: 15000 });
  await call; // not answered: SIPp gives up; the browser's ring ends

  // 3. Logout: the binding goes (REGISTER with Expires 0).
  await page.getByRole('button', { name: 'Apri il menu' }).click();
  await page.getByRole('button', { name: 'Logout' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  assert.equal(await status.count(), 0);
  // The menu's logout ends every session (the test's too): log in anew.
  const r = await client(env)('POST', '/v1/auth/login', { number: laura.number, username: laura.username, password: laura.password });
  assert.equal(r.status, 200);
  const again = { api: client(env, r.json.token) };
  await until(async () => (await webBindings(again)).length === 0, 'the web binding removed', 10000);
  assert.deepEqual(page.errors, []);
});
