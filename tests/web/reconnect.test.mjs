// The network drops under the app's phone (web/src/phone.js): the test
// stands between the browser and the edge's WebSocket (Playwright's
// routeWebSocket), closes the server side and refuses new connections
// for a few seconds. The strip must say the connection is lost, the
// phone must register again by itself once the edge is reachable, and
// the next call must ring in the browser. docs/app.md, "The phone".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, company, browser, newPage, uiLogin, register, freeUdpPort, sipp, until } from './lib.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser();
});
after(async () => {
  await b?.close();
  stackDown();
});

test('phone: the network drops: "connection lost", registered again by itself, the next call rings', async () => {
  const { users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const { Mario: mario, Laura: laura } = users;

  const page = await newPage(b, env);
  let down = false;
  const servers = [];
  let connections = 0;
  await page.routeWebSocket((u) => u.href.startsWith(laura.sip.ws_url), (ws) => {
    if (down) {
      ws.close();
      return;
    }
    connections++;
    servers.push(ws.connectToServer());
  });
  await uiLogin(page, laura);
  const strip = page.locator('.phone-status');
  await page.locator('[data-phone-state="registered"]').waitFor({ timeout: 15000 });

  // The edge goes away: every open WebSocket is closed from its side,
  // new ones are refused.
  down = true;
  for (const s of servers.splice(0)) s.close();
  await page.locator('[data-phone-state="lost"], [data-phone-state="registering"]').waitFor({ timeout: 10000 });
  assert.match(await strip.textContent(), /connessione/);
  await new Promise((r) => setTimeout(r, 4000));
  assert.notEqual(await strip.getAttribute('data-phone-state'), 'registered');

  // Back: JsSIP reconnects (2 s, then longer) and registers again.
  down = false;
  await page.locator('[data-phone-state="registered"]').waitFor({ timeout: 45000 });
  assert.ok(connections >= 2, `connections: ${connections}`);

  // The next call rings the browser (on its new connection).
  const mport = await freeUdpPort();
  await register(env, mario, mport);
  const call = sipp(env, 'call_device.xml', ['-s', '05', '-key', 'from', mario.sip.username, '-key', 'domain', mario.sip.domain, '-au', mario.sip.auth_username, '-ap', mario.sip.password, '-d', '200'], { port: mport, limit: '12s' });
  await until(async () => (await page.locator('.phone-status').getAttribute('data-phone-calls')) === '1', 'the call rings in the browser', 15000);
  await call;
  assert.deepEqual(page.errors, []);
});
