// The edge's WebRTC path under test: Chromium with fake media devices
// (lib.mjs browser({ media }): a tone as the microphone), JsSIP (the app's own
// pinned copy, bundled here with esbuild) in a page of the app's
// origin, and baresip from Debian as the desk phone or the carrier's
// trunk. The media tests (media.test.mjs) use these to check that
// audio really flows through rtpengine each way; the app's own screens
// are tested on top of the same path by phone*.test.mjs.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freeUdpPort, toneWav, scratch } from './lib.mjs';

const requireWeb = createRequire(join(ROOT, 'web', 'package.json'));

// ---- sound ----
// Milliseconds of sound in a 16-bit mono WAV: the 20 ms blocks whose
// RMS is above threshold, or with span the time from the first such
// block to the last (speech has pauses; tests/integration/
// test_softphone.py counts the same way).
export function wavSoundMs(path, { threshold = 300, span = false } = {}) {
  const b = readFileSync(path);
  let off = 12;
  let rate = 8000;
  let data = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const len = b.readUInt32LE(off + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(off + 12);
    if (id === 'data') data = b.subarray(off + 8, Math.min(b.length, off + 8 + len));
    off += 8 + len + (len & 1);
  }
  if (!data) return 0;
  const block = Math.floor(rate / 50);
  let ms = 0;
  let first = -1;
  let last = -1;
  for (let i = 0, k = 0; i + block * 2 <= data.length; i += block * 2, k++) {
    let sum = 0;
    for (let j = 0; j < block; j++) {
      const s = data.readInt16LE(i + j * 2);
      sum += s * s;
    }
    if (Math.sqrt(sum / block) > threshold) {
      ms += 20;
      if (first < 0) first = k;
      last = k;
    }
  }
  return span ? (first < 0 ? 0 : (last - first + 1) * 20) : ms;
}

let bundle = null;
function jssipBundle() {
  if (!bundle) {
    const { buildSync } = requireWeb('esbuild');
    const r = buildSync({ entryPoints: [requireWeb.resolve('jssip')], bundle: true, format: 'iife', globalName: 'JsSIP', write: false, platform: 'browser', logLevel: 'silent' });
    bundle = r.outputFiles[0].text;
  }
  return bundle;
}

// In the page: one JsSIP UA, its sessions by number, each with what
// the tests read (state, cause, caller shown, RTP counters).
function pageSide() {
  const sessions = [];
  const now = () => performance.timeOrigin + performance.now();
  const track = (s, dir) => {
    // t: when it was dialled (out) or arrived (in); sent: when JsSIP
    // sent the INVITE (after the microphone, the offer and ICE
    // gathering); ringing: when the 180 came (out). Milliseconds on the page's clock (the same for
    // every page of one browser).
    const rec = { s, dir, state: dir === 'in' ? 'ringing' : 'calling', cause: '', code: 0, early: false, display: '', user: '', t: now(), sent: 0, ringing: 0 };
    sessions.push(rec);
    s.on('sending', () => {
      if (!rec.sent) rec.sent = now();
    });
    s.on('progress', (e) => {
      if (!rec.ringing) rec.ringing = now();
      rec.state = rec.state === 'calling' ? 'progress' : rec.state;
      if (e.response && e.response.body) rec.early = true;
    });
    s.on('confirmed', () => (rec.state = 'confirmed'));
    s.on('ended', (e) => ((rec.state = 'ended'), (rec.cause = e.cause)));
    s.on('failed', (e) => {
      rec.state = 'failed';
      rec.cause = e.cause;
      rec.code = e.message && e.message.status_code ? e.message.status_code : 0;
    });
    const play = (pc) => {
      pc.addEventListener('track', (ev) => {
        const a = document.createElement('audio');
        a.autoplay = true;
        a.srcObject = ev.streams[0] || new MediaStream([ev.track]);
        document.body.appendChild(a);
      });
    };
    if (s.connection) play(s.connection);
    else s.on('peerconnection', (e) => play(e.peerconnection));
    return sessions.length - 1;
  };
  window.ovt = {
    start({ ws, uri, user, password, register }) {
      const ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(ws)], uri, authorization_user: user, password, register, session_timers: false, user_agent: 'ovunque-test (JsSIP)' });
      window.ovt.ua = ua;
      ua.on('newRTCSession', ({ session, originator, request }) => {
        if (originator !== 'remote') return;
        const i = track(session, 'in');
        sessions[i].display = request.from.display_name || '';
        sessions[i].user = request.from.uri.user || '';
      });
      return new Promise((res, rej) => {
        ua.on(register ? 'registered' : 'connected', () => res(true));
        ua.on('registrationFailed', (e) => rej(new Error('registration failed: ' + e.cause)));
        ua.start();
      });
    },
    // only: offer just this codec (e.g. 'opus'), as a browser set up
    // for it would (bench/webrtc/load.mjs forces transcoding so).
    call(target, only) {
      const t = now();
      const keep = (sdp) => {
        const lines = sdp.split('\r\n');
        const pts = new Set(lines.filter((l) => new RegExp(`^a=rtpmap:\\d+ ${only}/`, 'i').test(l)).map((l) => l.split(/[: ]/)[1]));
        return lines
          .filter((l) => !/^a=(rtpmap|fmtp|rtcp-fb):\d+/.test(l) || pts.has(l.split(/[: ]/)[1]))
          .map((l) => (l.startsWith('m=audio') ? l.split(' ').slice(0, 3).concat([...pts]).join(' ') : l))
          .join('\r\n');
      };
      const eventHandlers = only ? { sdp: (e) => e.originator === 'local' && e.type === 'offer' && (e.sdp = keep(e.sdp)) } : {};
      const s = window.ovt.ua.call(target, { mediaConstraints: { audio: true, video: false }, eventHandlers });
      const i = track(s, 'out');
      sessions[i].t = t;
      return i;
    },
    answer(i) {
      sessions[i].s.answer({ mediaConstraints: { audio: true, video: false } });
    },
    hangup(i) {
      sessions[i].s.terminate();
    },
    hold(i, on) {
      if (on) sessions[i].s.hold();
      else sessions[i].s.unhold();
    },
    // Keys as RFC 4733 events in the RTP stream (what an IVR on the
    // other side understands), not SIP INFO (JsSIP's default).
    dtmf(i, tones) {
      sessions[i].s.sendDTMF(tones, { transportType: 'RFC2833', duration: 120, interToneGap: 100 });
    },
    info(i) {
      const r = sessions[i];
      return r && { state: r.state, cause: r.cause, code: r.code, early: r.early, display: r.display, user: r.user, dir: r.dir, held: r.s.isOnHold().local, heldByOther: r.s.isOnHold().remote, t: r.t, sent: r.sent, ringing: r.ringing };
    },
    count() {
      return sessions.length;
    },
    async stats(i) {
      const pc = sessions[i].s.connection;
      const out = { packetsIn: 0, packetsOut: 0, level: 0, energy: 0, codec: '' };
      if (!pc) return out;
      const rep = await pc.getStats();
      const codecs = {};
      rep.forEach((r) => r.type === 'codec' && (codecs[r.id] = r.mimeType));
      rep.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          out.packetsIn += r.packetsReceived || 0;
          out.level = Math.max(out.level, r.audioLevel || 0);
          out.energy += r.totalAudioEnergy || 0;
          out.codec = codecs[r.codecId] || out.codec;
        }
        if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsOut += r.packetsSent || 0;
      });
      return out;
    },
    stop() {
      window.ovt.ua && window.ovt.ua.stop();
    },
  };
}

// A WebRTC phone for u (a user with u.sip from GET /v1/me/sip),
// registered unless register is false (it only calls out then).
export async function webPhone(b, env, u, { register = true } = {}) {
  const ctx = await b.newContext({ baseURL: env.OV_APP_URL, bypassCSP: true, serviceWorkers: 'block' });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto('/login');
  await page.addScriptTag({ content: jssipBundle() });
  await page.evaluate(pageSide);
  const s = u.sip;
  await page.evaluate((a) => window.ovt.start(a), { ws: s.ws_url, uri: `sip:${s.username}@${s.domain}`, user: s.auth_username, password: s.password, register });
  const phone = {
    page,
    call: (target, only) => page.evaluate(([t, o]) => window.ovt.call(t, o), [target.includes('@') ? target : `sip:${target}@${s.domain}`, only]),
    answer: (i) => page.evaluate((x) => window.ovt.answer(x), i),
    hangup: (i) => page.evaluate((x) => window.ovt.hangup(x), i),
    hold: (i, on) => page.evaluate(([x, y]) => window.ovt.hold(x, y), [i, on]),
    info: (i) => page.evaluate((x) => window.ovt.info(x), i),
    count: () => page.evaluate(() => window.ovt.count()),
    stats: (i) => page.evaluate((x) => window.ovt.stats(x), i),
    close: async () => {
      await page.evaluate(() => window.ovt.stop()).catch(() => {});
      await ctx.close();
    },
  };
  return phone;
}

// Waits for session i of phone to be in state (or fails on failed/ended
// when another state is awaited).
export async function sessionState(phone, i, state, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const x = await phone.info(i);
    if (x && x.state === state) return x;
    if (x && state !== x.state && (x.state === 'failed' || x.state === 'ended')) throw new Error(`session ${i}: ${x.state} (${x.cause} ${x.code}) awaiting ${state}`);
    if (Date.now() > end) throw new Error(`session ${i}: ${JSON.stringify(x)} after ${timeout} ms awaiting ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Waits until session i receives audio: packets counted and a level
// above silence (the far end's tone), then returns the stats.
export async function hearing(phone, i, what, timeout = 10000) {
  const end = Date.now() + timeout;
  let s;
  for (;;) {
    s = await phone.stats(i);
    if (s.packetsIn > 25 && s.level > 0.01) return s;
    if (Date.now() > end) throw new Error(`${what}: no audio after ${timeout} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---- baresip: the desk phone, or the carrier's trunk ----
// With sip (GET /v1/me/sip) it registers as that person's phone; with
// trunk (a port) it sends from the trunk's address without registering.
// answer: take calls by itself. heard: a directory for what it
// receives (sndfile: one *-dec.wav per stream, in time order: early
// media, then the call). done resolves with its output on exit.
export async function baresip(env, { sip, trunk, caller = 'carrier', answer = false, commands = [], seconds = 12, heard } = {}) {
  const d = scratch('baresip');
  const port = trunk || (await freeUdpPort());
  const tone = toneWav(440, seconds + 30, { rate: 8000, amp: 4000 });
  writeFileSync(join(d, 'config'), [
    'poll_method epoll', `sip_listen 127.0.0.1:${port}`, 'audio_player aufile,/dev/null', `audio_source aufile,${tone}`, 'audio_alert aufile,/dev/null',
    'module_path /usr/lib/baresip/modules', 'module g711.so', 'module aufile.so', 'module menu.so', heard ? 'module sndfile.so' : '', `snd_path ${heard || d}`, 'module account.so', '',
  ].join('\n'));
  const proxy = `sip:127.0.0.1:${env.OV_SIP_PORT}`;
  const mode = answer ? ';answermode=auto' : '';
  const account = sip
    ? `<sip:${sip.username}@${sip.domain}>;auth_user=${sip.auth_username};auth_pass=${sip.password};outbound="${proxy}";regint=120;audio_codecs=PCMA${mode}`
    : `<sip:${caller}@127.0.0.1>;regint=0;audio_codecs=PCMA${mode}`;
  writeFileSync(join(d, 'accounts'), account + '\n');
  const argv = ['-4', '-f', d, '-t', String(seconds)];
  for (const c of commands) argv.push('-e', c);
  const p = spawn('baresip', argv, { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (x) => (out += x));
  p.stderr.on('data', (x) => (out += x));
  const done = new Promise((res) => p.on('exit', () => res(out)));
  return { proc: p, done, out: () => out, heardFiles: () => (heard ? readdirSync(heard).filter((f) => f.endsWith('-dec.wav')).sort().map((f) => join(heard, f)) : []) };
}
