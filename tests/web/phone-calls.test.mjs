// The phone's screens (web/src/screens/call.jsx, phone.js) on real
// calls through the stack: the guide's display of an incoming call
// ("telefono virtuale" above the caller's number from the company
// number, "01 Mario" from a colleague), declining (the caller hears
// busy), calling from the directory, a contact and a recent call, and a
// microphone the browser refuses. Answering and the audio itself are
// phone-audio.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stackUp, stackDown, browser, newPage, uiLogin, toneWav, axe, sipp, until, udpBound, company } from './lib.mjs';

let env, bA, bB, bDeny;
before(async () => {
  env = await stackUp();
  bA = await browser({ media: { wav: toneWav(440, 30) } });
  bB = await browser({ media: { wav: toneWav(660, 30) } });
  bDeny = await browser({ media: { micPrompt: 'deny' } });
});
after(async () => {
  await bA?.close();
  await bB?.close();
  await bDeny?.close();
  stackDown();
});

// A company with Mario (01) and Laura (05); the company number rings
// Laura.
async function lauraRings() {
  const { t, users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']], async (t, ids) => {
    assert.equal((await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 3, members: [{ type: 'user', id: ids.Laura }] })).status, 200);
  });
  return { t, mario: users.Mario, laura: users.Laura };
}

async function phoneOn(page) {
  await page.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
}

test('call: from the company number the screen shows "telefono virtuale" above the number; declined, the caller gets busy', async () => {
  const { t, laura } = await lauraRings();
  const b = await newPage(bB, env);
  await uiLogin(b, laura);
  await phoneOn(b);

  // The carrier's trunk brings a call to the company number.
  const caller = sipp(env, 'call_fail.xml', ['-s', t.number, '-key', 'from', '3351234567', '-key', 'domain', laura.sip.domain], { port: Number(env.OV_TRUNK_IN_PORT), limit: '30s', expect: 486 });
  const ring = b.getByRole('dialog', { name: '3351234567' });
  await ring.waitFor({ timeout: 15000 });
  assert.equal(await ring.getAttribute('data-call-state'), 'ringing');
  assert.equal(await ring.locator('.call-label').textContent(), 'telefono virtuale');
  // The label is above the number, as the guide shows it.
  const [label, who] = await Promise.all([ring.locator('.call-label').boundingBox(), ring.locator('.call-who').boundingBox()]);
  assert.ok(label.y + label.height <= who.y + 1, 'telefono virtuale above the number');
  assert.match(await b.locator('.phone-status').textContent(), /Chiamata in arrivo da telefono virtuale 3351234567/);
  await until(async () => (await b.title()) === 'Chiamata in arrivo: telefono virtuale 3351234567', 'the tab title says who is calling');
  await axe(b, 'an incoming call');
  await b.getByRole('button', { name: 'Rifiuta' }).click();
  await ring.waitFor({ state: 'detached' });
  assert.equal(await b.title(), 'Telefono Virtuale', 'the title back after the call');
  const r = await caller;
  assert.equal(r.code, 0, r.out);
  await b.locator('.phone-status[data-phone-state="registered"]').waitFor();
  assert.deepEqual(b.errors, []);
  await b.context().close();
});

test('call: from the directory to a colleague, who sees "01 Mario" and declines: the caller sees busy', async () => {
  const { mario, laura } = await lauraRings();
  const a = await newPage(bA, env);
  const b = await newPage(bB, env);
  await uiLogin(a, mario, '/rubrica');
  await uiLogin(b, laura);
  await phoneOn(a);
  await phoneOn(b);
  // No call button beside oneself.
  await a.getByRole('listitem', { name: 'Laura Verdi' }).waitFor();
  assert.equal(await a.getByRole('button', { name: /^Chiama Mario Rossi/ }).count(), 0);
  await axe(a, 'the directory with call buttons');
  await a.getByRole('button', { name: 'Chiama Laura Verdi (05)' }).click();

  const ring = b.getByRole('dialog', { name: '01 Mario' });
  await ring.waitFor({ timeout: 15000 });
  assert.equal(await ring.locator('.call-label').count(), 0);
  const out = a.getByRole('dialog', { name: 'Laura Verdi' });
  await a.locator('.call-screen[data-call-state="progress"]').waitFor({ timeout: 10000 });
  assert.match(await out.textContent(), /Squilla dall'altra parte/);
  assert.match(await out.locator('.call-number').textContent(), /^05$/);
  await axe(a, 'an outgoing call ringing');

  await b.getByRole('button', { name: 'Rifiuta' }).click();
  await ring.waitFor({ state: 'detached' });
  await a.locator('.call-screen[data-call-state="failed"]').waitFor({ timeout: 10000 });
  assert.match(await a.getByRole('alert').textContent(), /Occupato \(486\)/);
  await axe(a, 'a call that failed');
  await a.getByRole('button', { name: 'Chiudi' }).click();
  await a.locator('.call-screen').waitFor({ state: 'detached' });
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context().close();
  await b.context().close();
});

// An outside number rings on a SIPp phone behind the trunk (uas_ring:
// 180, then it waits for the CANCEL).
async function outside(fn) {
  const far = sipp(env, 'uas_ring.xml', [], { port: Number(env.OV_TRUNK_OUT_PORT), limit: '30s' });
  await udpBound(Number(env.OV_TRUNK_OUT_PORT));
  await fn();
  return { far }; // not the promise itself: awaiting outside() must not wait for SIPp
}

test('call: from a contact, a recent call and the keypad, to the right number', async () => {
  const { mario } = await lauraRings();
  assert.equal((await mario.api('POST', '/v1/me/contacts', { name: 'Giulia Neri', numbers: [{ label: 'mobile', number: '+39 335 123 4567' }, { label: 'work', number: '06 1234 5678' }] })).status, 201);
  const a = await newPage(bA, env);
  await uiLogin(a, mario, '/contatti');
  await phoneOn(a);
  const screen = a.locator('.call-screen');
  let r;

  // A contact's second number (spaces dropped).
  await axe(a, 'contacts with call buttons');
  let { far } = await outside(() => a.getByRole('button', { name: /^Chiama Giulia Neri, Lavoro/ }).click());
  await a.locator('.call-screen[data-call-state="progress"]').waitFor({ timeout: 15000 });
  assert.equal(await screen.locator('.call-who').textContent(), 'Giulia Neri');
  assert.equal(await screen.locator('.call-number').textContent(), '0612345678');
  await a.getByRole('button', { name: 'Riaggancia' }).click();
  await screen.waitFor({ state: 'detached' });
  r = await far;
  assert.equal(r.code, 0, r.out);

  // The recent call has a button that calls that number again.
  const calls = await until(async () => {
    const c = (await mario.api('GET', '/v1/me/calls')).json.calls;
    return c.length >= 1 && c.every((x) => x.outcome !== 'ringing') && c;
  }, "the call in Mario's history");
  assert.equal(calls[0].direction, 'out');
  assert.match(calls[0].number, /612345678$/);
  await a.goto('/recenti');
  await phoneOn(a);
  const again = a.getByRole('button', { name: /^Chiama Giulia Neri/ });
  await again.waitFor();
  await axe(a, 'recent calls with call buttons');
  ({ far } = await outside(() => again.click()));
  await a.locator('.call-screen[data-call-state="progress"]').waitFor({ timeout: 15000 });
  assert.match(await screen.locator('.call-number').textContent(), /612345678$/);
  await a.getByRole('button', { name: 'Riaggancia' }).click();
  await screen.waitFor({ state: 'detached' });
  r = await far;
  assert.equal(r.code, 0, r.out);

  // The keypad: an international number as typed.
  await a.goto('/tastiera');
  await phoneOn(a);
  await axe(a, 'the keypad');
  await a.getByRole('button', { name: 'Più (prefisso internazionale)' }).click();
  await a.getByRole('textbox', { name: 'Numero da chiamare' }).pressSequentially('39 335 1234567');
  ({ far } = await outside(() => a.getByRole('button', { name: 'Chiama', exact: true }).click()));
  await a.locator('.call-screen[data-call-state="progress"]').waitFor({ timeout: 15000 });
  assert.equal(await screen.locator('.call-who').textContent(), '+393351234567');
  await a.getByRole('button', { name: 'Riaggancia' }).click();
  await screen.waitFor({ state: 'detached' });
  r = await far;
  assert.equal(r.code, 0, r.out);
  const last = await until(async () => {
    const c = (await mario.api('GET', '/v1/me/calls')).json.calls;
    return c.length >= 3 && c.every((x) => x.outcome !== 'ringing') && c;
  }, "three calls in Mario's history");
  assert.match(last[0].number, /3351234567$/);
  assert.deepEqual(a.errors, []);
  await a.context().close();
});

test('call: a microphone the browser refuses is said, with what to do, on answering and on dialling', async () => {
  const { mario, laura } = await lauraRings();
  const a = await newPage(bA, env);
  const b = await newPage(bDeny, env);
  await uiLogin(a, mario, '/tastiera');
  await uiLogin(b, laura, '/tastiera');
  await phoneOn(a);
  await phoneOn(b);

  // Answering: still ringing, the refusal and the way out; then declined.
  await a.getByRole('textbox', { name: 'Numero da chiamare' }).fill('05');
  await a.getByRole('button', { name: 'Chiama', exact: true }).click();
  const ring = b.getByRole('dialog', { name: '01 Mario' });
  await ring.waitFor({ timeout: 15000 });
  await b.getByRole('button', { name: 'Rispondi' }).click();
  const alert = ring.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /non permette all'app di usare il microfono.*Consenti il microfono nelle impostazioni del sito/);
  assert.equal(await ring.getAttribute('data-call-state'), 'ringing');
  await axe(b, 'the microphone refused on answering');
  await b.getByRole('button', { name: 'Rifiuta' }).click();
  await ring.waitFor({ state: 'detached' });
  await a.locator('.call-screen[data-call-state="failed"]').waitFor({ timeout: 10000 });
  await a.getByRole('button', { name: 'Chiudi' }).click();

  // Dialling: no call starts; the screen says why and what to do.
  await b.getByRole('textbox', { name: 'Numero da chiamare' }).fill('01');
  await b.getByRole('button', { name: 'Chiama', exact: true }).click();
  await b.locator('.call-screen[data-call-state="failed"]').waitFor();
  assert.match(await b.getByRole('alert').textContent(), /non permette all'app di usare il microfono.*Consenti il microfono/);
  await axe(b, 'the microphone refused on dialling');
  assert.equal(await a.locator('.call-screen').count(), 0, 'Mario was not called');
  await b.getByRole('button', { name: 'Chiudi' }).click();
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context().close();
  await b.context().close();
});

test('call: in English, the keypad, the ringing screen and a failure in words', async () => {
  const { mario, laura } = await lauraRings();
  const a = await newPage(bA, env);
  const b = await newPage(bB, env);
  // Both choose English in Impostazioni.
  await uiLogin(a, mario, '/impostazioni');
  await uiLogin(b, laura, '/impostazioni');
  for (const p of [a, b]) await p.getByRole('radio', { name: 'English' }).check();
  await a.goto('/tastiera');
  await a.getByText('Phone on: calls ring here').waitFor({ timeout: 15000 });
  await b.getByText('Phone on: calls ring here').waitFor({ timeout: 15000 });
  await a.getByRole('group', { name: 'Number keys' }).getByRole('button', { name: '0', exact: true }).click();
  await a.getByRole('group', { name: 'Number keys' }).getByRole('button', { name: '5', exact: true }).click();
  await a.getByRole('button', { name: 'Call', exact: true }).click();
  const ring = b.getByRole('dialog', { name: '01 Mario' });
  await ring.waitFor({ timeout: 15000 });
  assert.match(await ring.textContent(), /Incoming call.*Ringing/);
  await axe(b, 'an incoming call in English');
  // The keyboard stays in the call screen: Tab goes Decline, Answer, Decline.
  await b.keyboard.press('Tab');
  assert.equal(await b.evaluate(() => document.activeElement.textContent), 'Decline');
  await b.keyboard.press('Tab');
  assert.equal(await b.evaluate(() => document.activeElement.textContent), 'Answer');
  await b.keyboard.press('Tab');
  assert.equal(await b.evaluate(() => document.activeElement.textContent), 'Decline');
  await b.getByRole('button', { name: 'Decline' }).click();
  await a.locator('.call-screen[data-call-state="failed"]').waitFor({ timeout: 10000 });
  assert.match(await a.getByRole('alert').textContent(), /^Busy \(486\)$/);
  await a.getByRole('button', { name: 'Close' }).click();
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context().close();
  await b.context().close();
});
