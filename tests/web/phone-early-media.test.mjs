// Early media in the app's phone: a browser calling the company
// number hears the welcome message before anyone answers (183 with
// SDP, played by the call screen's <audio>; getStats shows inbound
// packets and a level above silence, the screen says "Messaggio in
// ascolto").
// docs/edge.md, "Voice messages (early media)".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, uiLogin, applyNow, activeUser, toneWav, axe, until } from './lib.mjs';

let env, bA;
before(async () => {
  env = await stackUp();
  bA = await browser({ media: { wav: toneWav(440, 30) } });
});
after(async () => {
  await bA?.close();
  stackDown();
});

async function hearing(page, who) {
  return until(async () => {
    const s = page.locator('.call-screen');
    const rtp = Number((await s.getAttribute('data-rtp-in')) || 0);
    const level = Number((await s.getAttribute('data-level-in')) || 0);
    return rtp > 20 && level > 0.01 && { rtp, level };
  }, `${who} receives audio`, 15000);
}

test('call: the browser calls the company number and hears the welcome message as early media', async () => {
  const t = await prepareAdmin(await newTenant(env));
  assert.equal((await t.api('POST', '/v1/users', { name: 'Mario Rossi', username: 'Mario', extension: '01', email: `mario@${t.domain}` })).status, 201);
  assert.equal((await t.api('PUT', '/v1/messages/welcome', { enabled: true, template_id: 'welcome_short', voice: 'female', languages: ['it'] })).status, 200);
  await applyNow(t);
  const mario = await activeUser(t, 'Mario');
  const a = await newPage(bA, env);
  await uiLogin(a, mario, '/tastiera');
  await a.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
  await a.getByRole('textbox', { name: 'Numero da chiamare' }).fill(t.number);
  await a.getByRole('button', { name: 'Chiama', exact: true }).click();

  // 183 with SDP: the screen says a message is playing, and it is heard.
  const early = a.locator('.call-screen[data-call-state="early"]');
  await early.waitFor({ timeout: 15000 });
  assert.match(await a.locator('#call-state').textContent(), /Messaggio in ascolto/);
  await hearing(a, 'Mario (the welcome)');
  assert.match(await a.locator('.call-screen .line-level').textContent(), /Audio in arrivo/);
  await axe(a, 'a message heard before the answer');
  await a.getByRole('button', { name: 'Riaggancia' }).click();
  await a.locator('.call-screen').waitFor({ state: 'detached', timeout: 10000 });
  assert.deepEqual(a.errors, []);
});
