// Media through the edge with real browsers (docs/edge.md, "Media per
// leg"): Chromium's WebRTC (ICE, DTLS-SRTP, Opus or G.711) on one side,
// a browser or baresip's plain RTP on the other, rtpengine between.
// Each side's tone must be heard at the other (WebRTC getStats: inbound
// packets and an audio level above silence; baresip: the WAV of what it
// received).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { ROOT, stackUp, stackDown, company, until, register, freeUdpPort, sipp, browser, toneWav, scratch } from './lib.mjs';
import { webPhone, sessionState, hearing, baresip, wavSoundMs } from './webrtc.mjs';

let env, b;
before(async () => {
  env = await stackUp();
  b = await browser({ media: { wav: toneWav(660, 4), loop: true } });
});
after(async () => {
  await b?.close();
  stackDown();
});


test('browser calls browser by extension: both hear each other, hold and resume, the caller hangs up', async () => {
  const { users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const mario = await webPhone(b, env, users.Mario);
  const laura = await webPhone(b, env, users.Laura);
  try {
    const out = await mario.call('05');
    await until(async () => (await laura.count()) === 1, 'the call rings in Laura\'s browser');
    const ring = await laura.info(0);
    // Shown as "01 Mario": the extension (From's user) and the name.
    assert.deepEqual([ring.user, ring.display], ['01', 'Mario']);
    await laura.answer(0);
    await sessionState(mario, out, 'confirmed');
    await sessionState(laura, 0, 'confirmed');
    const heardByLaura = await hearing(laura, 0, 'Laura hears Mario');
    const heardByMario = await hearing(mario, out, 'Mario hears Laura');
    assert.ok(heardByLaura.packetsIn > 25 && heardByMario.packetsIn > 25);

    // Hold and resume: re-INVITEs through the edge and rtpengine. On
    // hold Laura's audio stops reaching Mario; after it, it flows again.
    await mario.hold(out, true);
    await until(async () => (await laura.info(0)).heldByOther && (await mario.info(out)).held, 'the call on hold');
    const still = async () => {
      const a = (await mario.stats(out)).packetsIn;
      await new Promise((r) => setTimeout(r, 1000));
      return (await mario.stats(out)).packetsIn - a;
    };
    assert.ok((await still()) < 5, 'nothing from Laura while on hold');
    await mario.hold(out, false);
    await until(async () => !(await laura.info(0)).heldByOther, 'the call resumed');
    await until(async () => (await still()) > 25, 'Laura heard again after the hold');
    assert.equal((await mario.info(out)).state, 'confirmed');
    await mario.hangup(out);
    await sessionState(laura, 0, 'ended');
    await sessionState(mario, out, 'ended');
    assert.deepEqual([...mario.page.errors, ...laura.page.errors], []);
  } finally {
    await mario.close();
    await laura.close();
  }
});

// The person's devices: a binding each, once registered.
async function bindings(u) {
  const r = await u.api('GET', '/v1/me/devices');
  return r.json.devices.reduce((n, d) => n + d.bindings.length, 0);
}

test('browser calls a desk phone (baresip) and a desk phone calls the browser: audio both ways', async () => {
  const { users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const mario = await webPhone(b, env, users.Mario);
  const heard = scratch('heard');
  const laura = await baresip(env, { sip: users.Laura.sip, answer: true, seconds: 12, heard });
  try {
    await until(async () => (await bindings(users.Laura)) > 0, 'baresip registered');
    const out = await mario.call('05');
    await sessionState(mario, out, 'confirmed');
    const s = await hearing(mario, out, 'the browser hears the desk phone');
    assert.match(s.codec, /PCM[AU]/);
    await new Promise((r) => setTimeout(r, 2000));
    await mario.hangup(out);
    const log = await laura.done;
    const files = laura.heardFiles();
    assert.ok(files.length > 0, log.slice(-2000));
    assert.ok(wavSoundMs(files[0]) >= 1500, `baresip heard ${wavSoundMs(files[0])} ms of the browser's tone`);
  } finally {
    laura.proc.kill();
    await mario.close();
  }

  // The other way: Laura's desk phone calls Mario's browser.
  const heard2 = scratch('heard');
  const mario2 = await webPhone(b, env, users.Mario);
  const caller = await baresip(env, { sip: users.Laura.sip, seconds: 10, heard: heard2, commands: ['/dial 01'] });
  try {
    await until(async () => (await mario2.count()) === 1, 'the call rings in the browser', 15000);
    assert.deepEqual(await mario2.info(0).then((x) => [x.user, x.display]), ['05', 'Laura']);
    await mario2.answer(0);
    await sessionState(mario2, 0, 'confirmed');
    await hearing(mario2, 0, 'the browser hears the desk phone');
    const log = await caller.done; // baresip hangs up after its 10 s
    await sessionState(mario2, 0, 'ended');
    const files = caller.heardFiles();
    assert.ok(files.length > 0, log.slice(-2000));
    assert.ok(wavSoundMs(files[0]) >= 1500, `baresip heard ${wavSoundMs(files[0])} ms of the browser's tone`);
  } finally {
    caller.proc.kill();
    await mario2.close();
  }
});

test('the company number from the carrier: welcome heard by the caller, the browser rings as "telefono virtuale", both hear each other', async () => {
  const { t, users } = await company(env, [['Laura Verdi', 'Laura', '05']], async (t, ids) => {
    let r = await t.api('PUT', '/v1/messages/welcome', { enabled: true, template_id: 'welcome_short', voice: 'female', languages: ['it'] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    r = await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 3, members: [{ type: 'user', id: ids.Laura }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  const welcome = (await t.api('GET', '/v1/messages/welcome/preview')).json.duration_ms;
  assert.ok(welcome > 500, String(welcome));
  const laura = await webPhone(b, env, users.Laura);
  const heard = scratch('heard');
  const seconds = Math.ceil(welcome / 1000) + 10;
  const trunk = await baresip(env, { trunk: Number(env.OV_TRUNK_IN_PORT), caller: '3331234567', seconds, heard, commands: [`/dial sip:${t.number}@127.0.0.1:${env.OV_SIP_PORT}`] });
  try {
    await until(async () => (await laura.count()) === 1, 'the call rings in the browser after the welcome', welcome + 15000).catch((e) => {
      throw new Error(`${e.message}: ${trunk.out().slice(-1500)}`);
    });
    assert.deepEqual(await laura.info(0).then((x) => [x.display, x.user]), ['telefono virtuale', '3331234567']);
    await laura.answer(0);
    await sessionState(laura, 0, 'confirmed');
    await hearing(laura, 0, 'the browser hears the caller');
    const log = await trunk.done;
    // Two streams: the welcome as early media, then Laura's tone.
    const files = trunk.heardFiles();
    assert.equal(files.length, 2, log.slice(-2000));
    const said = wavSoundMs(files[0], { span: true });
    assert.ok(said >= 0.9 * welcome, `the caller heard ${said} ms of a ${welcome}-ms welcome`);
    const tone = wavSoundMs(files[1]);
    assert.ok(tone >= 2000, `the caller heard ${tone} ms of Laura's tone`);
  } finally {
    trunk.proc.kill();
    await laura.close();
  }
});

test('a person with a browser and a desk phone: both ring; either answers with audio', async () => {
  const { users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const mario = await webPhone(b, env, users.Mario);
  const laura = await webPhone(b, env, users.Laura);
  // 1. The desk phone rings too (no answer); the browser answers.
  let desk = await baresip(env, { sip: users.Laura.sip, seconds: 12 });
  try {
    await until(async () => (await bindings(users.Laura)) === 2, 'browser and desk phone registered');
    const out = await mario.call('05');
    await until(async () => (await laura.count()) === 1, 'the browser rings');
    await until(async () => /incoming call/i.test(desk.out()), 'the desk phone rings', 5000);
    await laura.answer(0);
    await sessionState(mario, out, 'confirmed');
    await hearing(laura, 0, 'Laura hears Mario');
    await hearing(mario, out, 'Mario hears Laura');
    await mario.hangup(out);
    await sessionState(laura, 0, 'ended');
  } finally {
    desk.proc.kill();
  }
  // 2. The desk phone answers by itself; the browser's ring stops.
  const heard = scratch('heard');
  desk = await baresip(env, { sip: users.Laura.sip, answer: true, seconds: 12, heard });
  try {
    await until(async () => (await bindings(users.Laura)) === 2, 'desk phone registered again');
    const out = await mario.call('05');
    await sessionState(mario, out, 'confirmed');
    await hearing(mario, out, 'Mario hears the desk phone');
    await sessionState(laura, 1, 'failed'); // its ring was cancelled
    await new Promise((r) => setTimeout(r, 1500));
    await mario.hangup(out);
    await desk.done;
    assert.ok(wavSoundMs(desk.heardFiles()[0]) >= 1000, 'the desk phone heard Mario');
  } finally {
    desk.proc.kill();
    await mario.close();
    await laura.close();
  }
});

test('a browser calls the company number: hears the welcome as early media, then the colleague', async () => {
  const { t, users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']], async (t, ids) => {
    let r = await t.api('PUT', '/v1/messages/welcome', { enabled: true, template_id: 'welcome_short', voice: 'female', languages: ['it'] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    r = await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 3, members: [{ type: 'user', id: ids.Laura }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  const mario = await webPhone(b, env, users.Mario);
  const laura = await webPhone(b, env, users.Laura);
  try {
    const out = await mario.call(t.number);
    // The welcome: a 183 with rtpengine's WebRTC SDP, then the prompt.
    await until(async () => (await mario.info(out)).early, 'the 183 with SDP');
    const early = await hearing(mario, out, 'Mario hears the welcome');
    assert.equal((await mario.info(out)).state, 'progress');
    await until(async () => (await laura.count()) === 1, 'Laura\'s browser rings after the welcome', 30000);
    await laura.answer(0);
    await sessionState(mario, out, 'confirmed');
    await hearing(laura, 0, 'Laura hears Mario');
    // Mario goes on receiving, now Laura's tone.
    await until(async () => (await mario.stats(out)).packetsIn > early.packetsIn + 100, 'Mario hears Laura after the welcome');
    await hearing(mario, out, 'Mario hears Laura');
    await laura.hangup(0);
    await sessionState(mario, out, 'ended');
  } finally {
    await mario.close();
    await laura.close();
  }
});

test('keys pressed in a browser call reach the other side as RFC 4733 events (for IVRs)', async () => {
  const { users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  // Laura's desk phone: SIPp answers with PCMA and telephone-event on a
  // UDP port of ours, which counts what rtpengine sends there. (Its SDP
  // is fixed: 126 is the payload type Chromium offers telephone-event
  // with, which a phone's answer keeps.)
  const rtp = dgram.createSocket('udp4');
  const events = [];
  let audio = 0;
  rtp.on('message', (m) => {
    const pt = m[1] & 0x7f;
    if (pt === 126 && m.length >= 16) events.push({ key: m[12], end: (m[13] & 0x80) !== 0 });
    else if (pt === 8) audio++;
  });
  const rtpPort = await freeUdpPort();
  await new Promise((r) => rtp.bind(rtpPort, '127.0.0.1', r));
  const dir = scratch('sipp');
  const scen = join(dir, 'uas_dtmf.xml');
  writeFileSync(scen, readFileSync(join(ROOT, 'tests', 'sipp', 'uas.xml'), 'utf8')
    .replace('m=audio [media_port] RTP/AVP 8', `m=audio ${rtpPort} RTP/AVP 8 126`)
    .replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:8 PCMA/8000\n      a=rtpmap:126 telephone-event/8000'));
  const lport = await freeUdpPort();
  await register(env, users.Laura, lport);
  const desk = sipp(env, scen, [], { port: lport, limit: '30s' });
  const mario = await webPhone(b, env, users.Mario);
  try {
    const out = await mario.call('05');
    await sessionState(mario, out, 'confirmed');
    await until(async () => audio > 25, 'the desk phone gets the browser\'s audio');
    await mario.page.evaluate(([i, tones]) => window.ovt.dtmf(i, tones), [out, '5#']);
    // 5 is event 5, # is event 11; each ends with its end-marked packets.
    await until(async () => events.some((e) => e.key === 5 && e.end) && events.some((e) => e.key === 11 && e.end), `events 5 and # at the desk phone: ${JSON.stringify(events.slice(-4))}`, 5000);
    await mario.hangup(out);
    assert.equal((await desk).code, 0);
  } finally {
    rtp.close();
    await mario.close();
  }
});

test('a person on do-not-disturb: the browser does not ring, the caller is told, and rings again after', async () => {
  const { users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']]);
  const mario = await webPhone(b, env, users.Mario);
  const laura = await webPhone(b, env, users.Laura);
  try {
    assert.equal((await users.Laura.api('PATCH', '/v1/me', { presence: 'dnd' })).status, 200);
    // The router learns presence from admin's events: poll until a
    // call is refused rather than rung.
    let code = 0;
    await until(async () => {
      const out = await mario.call('05');
      const x = await until(async () => {
        const v = await mario.info(out);
        return (v.state === 'failed' || v.ringing) && v;
      }, 'an answer to the call', 10000);
      if (x.state !== 'failed') await mario.hangup(out);
      code = x.code;
      return x.state === 'failed';
    }, 'the call refused while Laura is on dnd', 15000);
    assert.equal(code, 480);
    // Once refused, a call never reaches her browser.
    const rungBefore = await laura.count();
    const again = await mario.call('05');
    await sessionState(mario, again, 'failed');
    assert.equal((await mario.info(again)).code, 480);
    assert.equal(await laura.count(), rungBefore);
    assert.equal((await users.Laura.api('PATCH', '/v1/me', { presence: 'available' })).status, 200);
    await until(async () => {
      const out = await mario.call('05');
      const x = await until(async () => {
        const v = await mario.info(out);
        return (v.state === 'failed' || v.ringing) && v;
      }, 'an answer to the call', 10000);
      await mario.hangup(out).catch(() => {});
      return x.ringing && !x.code;
    }, 'the call rings again once Laura is available', 15000);
    assert.ok((await laura.count()) > rungBefore);
  } finally {
    await mario.close();
    await laura.close();
  }
});
