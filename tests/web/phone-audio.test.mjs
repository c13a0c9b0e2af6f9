// The phone in the app, browser to browser with real media: Mario
// (Chromium, a 440 Hz tone as microphone) calls Laura (another
// Chromium, 660 Hz) by extension from the dial pad; Laura sees "01
// Mario", answers, and each side receives audio (getStats: inbound
// packets and a level above silence, shown by the call screen); mute,
// hold and DTMF; Mario hangs up and both are back to idle.
// And a desk phone (SIPp) calling the browser, which answers: the SIP
// states (SIPp sends no RTP); the keypad's tones reaching a desk phone
// (baresip) as RFC 4733 events; a second call while in one.
// The edge gives the browser legs WebRTC SDP (ICE + DTLS-SRTP):
// docs/edge.md, "Media per leg".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, browser, newPage, uiLogin, toneWav, axe, until, register, freeUdpPort, sipp, company } from './lib.mjs';
import { baresip } from './webrtc.mjs';

let env, bA, bB;
before(async () => {
  env = await stackUp();
  bA = await browser({ media: { wav: toneWav(440, 40) } });
  bB = await browser({ media: { wav: toneWav(660, 40) } });
});
after(async () => {
  await bA?.close();
  await bB?.close();
  stackDown();
});

// The call screen's view of the line: inbound packets and level.
async function line(page) {
  const s = page.locator('.call-screen');
  return { rtp: Number((await s.getAttribute('data-rtp-in')) || 0), level: Number((await s.getAttribute('data-level-in')) || 0) };
}

async function hearing(page, who) {
  return until(async () => {
    const l = await line(page);
    return l.rtp > 20 && l.level > 0.01 && l;
  }, `${who} receives audio`, 15000);
}

test('call: browser to browser by extension, audio both ways, mute, hold, DTMF, hang up', async () => {
  const { users: { Mario: mario, Laura: laura } } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);

  const a = await newPage(bA, env);
  const b = await newPage(bB, env);
  await uiLogin(a, mario, '/tastiera');
  await uiLogin(b, laura);
  for (const p of [a, b]) await p.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });

  // Mario dials 05 on the keypad.
  await a.getByRole('group', { name: 'Tastiera numerica' }).getByRole('button', { name: '0', exact: true }).click();
  await a.getByRole('group', { name: 'Tastiera numerica' }).getByRole('button', { name: '5', exact: true }).click();
  assert.equal(await a.getByRole('textbox', { name: 'Numero da chiamare' }).inputValue(), '05');
  await a.getByRole('button', { name: 'Chiama', exact: true }).click();

  // Laura's screen rings with the guide's display: "01 Mario".
  const ring = b.getByRole('dialog', { name: '01 Mario' });
  await ring.waitFor({ timeout: 15000 });
  assert.equal(await ring.getAttribute('data-call-state'), 'ringing');
  await a.locator('.call-screen[data-call-state="progress"]').waitFor({ timeout: 10000 });
  await b.getByRole('button', { name: 'Rispondi' }).click();
  for (const p of [a, b]) await p.locator('.call-screen[data-call-state="active"]').waitFor({ timeout: 15000 });

  // Audio both ways: the line meter is fed by getStats.
  await hearing(a, 'Mario');
  await hearing(b, 'Laura');
  assert.match(await b.locator('.call-screen .line-level').textContent(), /Audio in arrivo/);
  await axe(b, 'the call in progress');

  // Mute: Laura stops hearing Mario's tone (level back to silence).
  const mute = a.getByRole('button', { name: 'Muto' });
  await mute.click();
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  await until(async () => (await line(b)).level < 0.001, "Laura hears silence while Mario is muted", 10000);
  await mute.click();
  assert.equal(await mute.getAttribute('aria-pressed'), 'false');
  await hearing(b, 'Laura after unmute');

  // Hold and back.
  const hold = a.getByRole('button', { name: 'Attesa' });
  await hold.click();
  await a.locator('.call-screen[data-held="1"]').waitFor();
  assert.match(await a.locator('#call-state').textContent(), /^In attesa · 0:\d\d$/);
  await b.locator('.call-screen[data-held-remote="1"]').waitFor({ timeout: 10000 });
  assert.match(await b.locator('#call-state').textContent(), /^Messo in attesa dall'altra parte · 0:\d\d$/);
  await hold.click();
  await a.locator('.call-screen[data-held="0"]').waitFor({ timeout: 10000 });
  await b.locator('.call-screen[data-held-remote="0"]').waitFor({ timeout: 10000 });
  await hearing(b, 'Laura after hold');

  // DTMF from the in-call keypad.
  await a.getByRole('button', { name: 'Tastiera', exact: true }).click();
  await a.getByRole('group', { name: 'Tastiera', exact: true }).getByRole('button', { name: '1', exact: true }).click();
  await a.getByRole('group', { name: 'Tastiera', exact: true }).getByRole('button', { name: 'Cancelletto' }).click();
  await a.keyboard.press('5'); // the keyboard's digits too
  assert.equal(await a.locator('.dtmf').textContent(), '1#5');

  // Mario hangs up: both back to idle.
  await a.getByRole('button', { name: 'Riaggancia' }).click();
  for (const p of [a, b]) {
    await p.locator('.call-screen').waitFor({ state: 'detached', timeout: 10000 });
    await p.locator('.phone-status[data-phone-state="registered"]').waitFor();
  }
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('call: a desk phone (SIPp) calls the browser, which answers; the phone hangs up', async () => {
  const { users: { Mario: mario, Laura: laura } } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const b = await newPage(bB, env);
  await uiLogin(b, laura);
  await b.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });

  const mport = await freeUdpPort();
  await register(env, mario, mport);
  const call = sipp(env, 'call_device.xml', ['-s', '05', '-key', 'from', mario.sip.username, '-key', 'domain', mario.sip.domain, '-au', mario.sip.auth_username, '-ap', mario.sip.password, '-d', '3000'], { port: mport, limit: '30s' });
  const ring = b.getByRole('dialog', { name: '01 Mario' });
  await ring.waitFor({ timeout: 15000 });
  await b.getByRole('button', { name: 'Rispondi' }).click();
  await b.locator('.call-screen[data-call-state="active"]').waitFor({ timeout: 10000 });
  assert.match(await b.locator('#call-state').textContent(), /^0:0\d$/);
  // The phone hangs up after 3 s: the browser is back to idle.
  await b.locator('.call-screen').waitFor({ state: 'detached', timeout: 15000 });
  const r = await call;
  assert.equal(r.code, 0, r.out);
  await b.locator('.phone-status[data-phone-state="registered"]').waitFor();
  assert.deepEqual(b.errors, []);
});

test('call: a second call while the browser is in a call is busy for its caller; the first goes on', async () => {
  const { users: { Mario: mario, Laura: laura, Sara: sara } } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05'], ['Sara Bianchi', 'Sara', '07']]);
  const a = await newPage(bA, env);
  const b = await newPage(bB, env);
  await uiLogin(a, mario, '/tastiera');
  await uiLogin(b, laura);
  for (const p of [a, b]) await p.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
  await a.getByRole('textbox', { name: 'Numero da chiamare' }).fill('05');
  await a.getByRole('button', { name: 'Chiama', exact: true }).click();
  await b.getByRole('dialog', { name: '01 Mario' }).waitFor({ timeout: 15000 });
  await b.getByRole('button', { name: 'Rispondi' }).click();
  await hearing(b, 'Laura');

  // Sara's desk phone calls Laura: busy (486), and Laura's call goes on.
  const sport = await freeUdpPort();
  await register(env, sara, sport);
  const r = await sipp(env, 'call_device_fail.xml', ['-s', '05', '-key', 'from', sara.sip.username, '-key', 'domain', sara.sip.domain, '-au', sara.sip.auth_username, '-ap', sara.sip.password], { port: sport, limit: '20s', expect: 486 });
  assert.equal(r.code, 0, r.out);
  assert.equal(await b.locator('.phone-status').getAttribute('data-phone-calls'), '2');
  assert.equal(await b.locator('.call-screen').getAttribute('data-call-state'), 'active');
  assert.equal(await b.getByRole('dialog').getAttribute('aria-labelledby'), 'call-who');
  assert.equal(await b.locator('.call-who').textContent(), '01 Mario');
  await hearing(b, 'Laura, still');
  await b.getByRole('button', { name: 'Riaggancia' }).click();
  for (const p of [a, b]) await p.locator('.call-screen').waitFor({ state: 'detached', timeout: 10000 });
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('call: the app calls a desk phone (baresip) and its keypad tones arrive as RFC 4733 events', async () => {
  const { users: { Mario: mario, Laura: laura } } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const desk = await baresip(env, { sip: laura.sip, answer: true, seconds: 30 });
  try {
    await until(async () => ((await laura.api('GET', '/v1/me/devices')).json.devices || []).some((d) => d.bindings.length > 0), "Laura's desk phone registered");
    const a = await newPage(bA, env);
    await uiLogin(a, mario, '/tastiera');
    await a.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
    await a.getByRole('textbox', { name: 'Numero da chiamare' }).fill('05');
    await a.getByRole('button', { name: 'Chiama', exact: true }).click();
    await a.locator('.call-screen[data-call-state="active"]').waitFor({ timeout: 15000 });
    await hearing(a, 'Mario hears the desk phone');
    await a.getByRole('button', { name: 'Tastiera', exact: true }).click();
    const keys = a.getByRole('group', { name: 'Tastiera', exact: true });
    for (const k of ['1', '2']) await keys.getByRole('button', { name: k, exact: true }).click();
    await keys.getByRole('button', { name: 'Cancelletto' }).click();
    await until(() => /received event: '1'[\s\S]*received event: '2'[\s\S]*received event: '#'/.test(desk.out()), 'the desk phone receives 1, 2, # as telephone events');
    await a.getByRole('button', { name: 'Riaggancia' }).click();
    await a.locator('.call-screen').waitFor({ state: 'detached', timeout: 10000 });
    assert.deepEqual(a.errors, []);
    await a.context().close();
  } finally {
    desk.proc.kill();
    await desk.done;
  }
});
