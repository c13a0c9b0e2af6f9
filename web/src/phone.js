// The phone: this browser as one of the person's SIP devices ("web").
// After login it asks GET /v1/me/sip?device=web for its credentials
// (the person never types a secret) and registers with JsSIP over the
// edge's WebSocket (ws_url in that answer); on logout it unregisters.
// It rings, answers, declines, calls out, mutes, holds, sends DTMF and
// plays the other side (early media too). docs/app.md, "The phone";
// docs/edge.md, "SIP over WebSocket".
//
// State, for the UI (usePhone) and the tests (data attributes):
//   off          not started, or the edge has no WebSocket (ws_url "")
//   registering  connecting or waiting for the REGISTER's answer
//   registered   the browser rings with the person's other devices
//   lost         the WebSocket dropped: JsSIP reconnects by itself
//                (2 s, then longer, up to 30 s) and registers again
//   failed       the edge refused the REGISTER, or the credentials could
//                not be had: tried again from the start after 10 s
// calls counts the incoming calls seen (INVITEs, JsSIP's newRTCSession);
// incoming is the caller of the one ringing now, or ''; call is the one
// call (see callState below), or null.
import JsSIP from 'jssip';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

const RETRY_MS = 10000;

let ua = null;
let gen = 0; // bumped by stopPhone: a start still fetching gives up
let retry = null;
let domain = '';
const state = { status: 'off', calls: 0, incoming: '', call: null };
const subs = new Set();

function set(patch) {
  Object.assign(state, patch);
  const snap = { ...state };
  for (const fn of subs) fn(snap);
}

export function phoneState() {
  return { ...state };
}

// Starts the phone once per login (again after stopPhone).
export async function startPhone() {
  if (ua || retry) return;
  const my = ++gen;
  set({ status: 'registering', incoming: '' });
  let sip;
  try {
    sip = await api.sip('web');
  } catch (e) {
    if (my === gen) later(my);
    return;
  }
  if (my !== gen) return;
  if (!sip.ws_url) {
    set({ status: 'off' });
    return;
  }
  const u = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(sip.ws_url)],
    uri: `sip:${sip.username}@${sip.domain}`,
    authorization_user: sip.auth_username,
    password: sip.password,
    register: true,
    register_expires: 300,
    session_timers: false,
    user_agent: 'Telefono Virtuale (JsSIP)',
    connection_recovery_min_interval: 2,
    connection_recovery_max_interval: 30,
  });
  ua = u;
  domain = sip.domain;
  const mine = (fn) => (...a) => ua === u && fn(...a);
  u.on('connecting', mine(() => state.status !== 'registered' && set({ status: 'registering' })));
  u.on('disconnected', mine(() => set({ status: 'lost' })));
  u.on('registered', mine(() => set({ status: 'registered' })));
  u.on('unregistered', mine(() => set({ status: 'registering' })));
  u.on('registrationFailed', mine(() => {
    // Wrong credentials (rotated by a password change) or the edge
    // refused: start over with fresh ones a little later.
    ua = null;
    u.stop();
    later(my);
  }));
  u.on('newRTCSession', mine(({ session, originator, request }) => {
    if (originator === 'remote') incoming(session, request);
  }));
  u.start();
}

function later(my) {
  set({ status: 'failed' });
  retry = setTimeout(() => {
    retry = null;
    if (my === gen) startPhone();
  }, RETRY_MS);
}

// Unregisters (JsSIP's stop sends REGISTER with Expires 0, then closes
// the WebSocket) and forgets the credentials.
export function stopPhone() {
  gen++;
  if (retry) clearTimeout(retry);
  retry = null;
  endCall();
  const u = ua;
  ua = null;
  if (u) u.stop();
  set({ status: 'off', incoming: '', calls: 0, call: null });
}

// ---- calls ----
// One call at a time (a second INVITE while busy gets 486). The call in
// the state is plain data for the UI:
//   id, dir ('in' | 'out'), number (the caller's user part or what was
//   dialled), name (what to show: "01 Mario", a contact's name),
//   external (a call to the company number: "telefono virtuale" above
//   the number, the guide's rule), state:
//     ringing    incoming, not answered yet
//     answering  asking for the microphone, then the 200
//     calling    outgoing, sent
//     progress   outgoing, the other side rings (180)
//     early      outgoing, the other side's audio before the answer
//                (183 with SDP: the welcome, closed or no-answer message)
//     active     answered: timer from since
//     failed     an outgoing call that did not connect, or an incoming
//                one that failed while being answered: reason says why
//   muted, held (our own hold), heldRemote (the other side's), reason ('busy', 'rejected', 'notfound',
//   'unreachable', 'noanswer', 'media', 'network', 'unavailable',
//   'offline', 'mic', 'nomic', 'other') with code (the SIP status, or
//   0), mic ('denied' or 'none': getUserMedia refused, on an incoming
//   call still ringing), rtpIn and levelIn (getStats: inbound audio packets and
//   level 0..1, null before media), dtmf (the digits sent).
const EXTERNAL_DISPLAY = 'telefono virtuale';
const STATS_MS = 500;

let session = null; // the JsSIP session of state.call
let mic = null; // our microphone stream for it
let statsTimer = null;
let audio = null; // <audio autoplay> playing the other side
let ids = 0;

function patchCall(id, patch) {
  if (!state.call || state.call.id !== id) return;
  set({ call: { ...state.call, ...patch } });
}

// What the guide says to show: "telefono virtuale" above the caller's
// number for a call to the company number; a colleague's extension and
// name ("01 Mario": the edge sends the name as display, the extension as
// user).
export function callerOf(display, user) {
  const d = (display || '').trim();
  const n = user || '';
  if (d.toLowerCase() === EXTERNAL_DISPLAY) return { external: true, name: n, number: n };
  if (!d) return { external: false, name: n || '?', number: n };
  return { external: false, name: d.startsWith(n) ? d : `${n} ${d}`.trim(), number: n };
}

// A SIP failure in words (i18n 'call.reason.<key>').
function reasonOf(message, cause) {
  const code = (message && message.status_code) || 0;
  const by = {
    busy: [486, 600],
    rejected: [403, 603],
    notfound: [404, 604, 484],
    unreachable: [480, 410, 408, 430],
    media: [488, 606],
    unavailable: [500, 502, 503, 504],
  };
  for (const [k, codes] of Object.entries(by)) if (codes.includes(code)) return { reason: k, code };
  const C = JsSIP.C.causes;
  const map = {
    [C.NO_ANSWER]: 'noanswer',
    [C.USER_DENIED_MEDIA_ACCESS]: 'mic',
    [C.CONNECTION_ERROR]: 'network',
    [C.REQUEST_TIMEOUT]: 'network',
    [C.RTP_TIMEOUT]: 'network',
    [C.BAD_MEDIA_DESCRIPTION]: 'media',
    [C.INCOMPATIBLE_SDP]: 'media',
    [C.WEBRTC_ERROR]: 'media',
    [C.BUSY]: 'busy',
    [C.REJECTED]: 'rejected',
    [C.NOT_FOUND]: 'notfound',
    [C.UNAVAILABLE]: 'unreachable',
  };
  return { reason: map[cause] || 'other', code };
}

// The microphone, asked by us rather than by JsSIP so a refusal is told
// apart (NotAllowedError: the site's permission) from no device.
async function getMic() {
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: false }) };
  } catch (e) {
    const denied = e && (e.name === 'NotAllowedError' || e.name === 'SecurityError');
    return { error: denied ? 'denied' : 'none' };
  }
}

// The ring of an incoming call, made here (no sound file): 425 Hz, 1 s
// on and 4 s off like an Italian line; from the first gesture on the
// page browsers let it play.
let ring = null;
function startRing() {
  if (ring || typeof AudioContext === 'undefined') return;
  try {
    const ctx = new AudioContext();
    const beep = () => {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      g.gain.value = 0.15;
      o.frequency.value = 425;
      o.connect(g).connect(ctx.destination);
      o.start();
      o.stop(ctx.currentTime + 1);
    };
    ctx.resume().catch(() => {});
    beep();
    ring = { ctx, timer: setInterval(beep, 5000) };
  } catch (e) {
    ring = null;
  }
}
function stopRing() {
  if (!ring) return;
  clearInterval(ring.timer);
  ring.ctx.close().catch(() => {});
  ring = null;
}

function audioEl() {
  if (!audio) {
    audio = document.createElement('audio');
    audio.autoplay = true;
    audio.id = 'phone-audio';
    audio.setAttribute('aria-hidden', 'true');
    document.body.appendChild(audio);
  }
  return audio;
}

// The other side's audio, as soon as the connection has a track: the
// 183's SDP (early media) or the 200's.
function playRemote(pc) {
  const attach = (stream) => {
    const el = audioEl();
    if (el.srcObject !== stream) el.srcObject = stream;
    el.play().catch(() => {});
  };
  pc.addEventListener('track', (ev) => attach(ev.streams[0] || new MediaStream([ev.track])));
  const rx = pc.getReceivers().filter((r) => r.track && r.track.kind === 'audio');
  if (rx.length) attach(new MediaStream(rx.map((r) => r.track)));
}

// The line is alive: inbound audio packets and their level, every
// STATS_MS from the connection's getStats (shown as a level meter).
function watchStats(id, pc) {
  stopStats();
  statsTimer = setInterval(async () => {
    if (!state.call || state.call.id !== id) return stopStats();
    let rep;
    try {
      rep = await pc.getStats();
    } catch (e) {
      return;
    }
    let rtpIn = null;
    let levelIn = null;
    rep.forEach((r) => {
      if (r.type === 'inbound-rtp' && (r.kind || r.mediaType) === 'audio') {
        rtpIn = (rtpIn || 0) + (r.packetsReceived || 0);
        if (typeof r.audioLevel === 'number') levelIn = Math.max(levelIn || 0, r.audioLevel);
      }
    });
    const c = state.call;
    if (c && c.id === id && (c.rtpIn !== rtpIn || c.levelIn !== levelIn)) patchCall(id, { rtpIn, levelIn });
  }, STATS_MS);
}

function stopStats() {
  if (statsTimer) clearInterval(statsTimer);
  statsTimer = null;
}

function endCall() {
  stopRing();
  stopStats();
  if (mic) for (const tr of mic.getTracks()) tr.stop();
  mic = null;
  if (audio) audio.srcObject = null;
  const s = session;
  session = null;
  if (s && !s.isEnded()) {
    try {
      s.terminate();
    } catch (e) {
      /* already going */
    }
  }
}

// Events every call has, whichever side started it.
function follow(s, id) {
  s.on('peerconnection', ({ peerconnection }) => {
    playRemote(peerconnection);
    watchStats(id, peerconnection);
  });
  s.on('accepted', () => patchCall(id, { state: 'active', since: Date.now(), mic: '' }));
  s.on('confirmed', () => state.call && state.call.id === id && !state.call.since && patchCall(id, { state: 'active', since: Date.now() }));
  s.on('muted', () => patchCall(id, { muted: true }));
  s.on('unmuted', () => patchCall(id, { muted: false }));
  s.on('hold', ({ originator }) => patchCall(id, originator === 'local' ? { held: true } : { heldRemote: true }));
  s.on('unhold', ({ originator }) => patchCall(id, originator === 'local' ? { held: false } : { heldRemote: false }));
  s.on('ended', () => {
    if (session !== s) return;
    endCall();
    set({ call: null, incoming: '' });
  });
  s.on('failed', ({ originator, message, cause }) => {
    if (session !== s) return;
    const c = state.call;
    endCall();
    // Our own outgoing call that did not connect stays on screen with
    // the reason, and so does an incoming one that failed while being
    // answered here; otherwise (cancelled, answered elsewhere,
    // declined here) an incoming call simply goes.
    const mine = c && (c.dir === 'out' || c.state === 'answering');
    if (mine && cause !== JsSIP.C.causes.CANCELED) {
      set({ call: { ...c, state: 'failed', ...reasonOf(originator === 'remote' ? message : null, cause) }, incoming: '' });
    } else set({ call: null, incoming: '' });
  });
}

function newCall(patch) {
  return { id: ++ids, state: 'calling', name: '', number: '', external: false, muted: false, held: false, heldRemote: false, since: 0, reason: '', code: 0, mic: '', rtpIn: null, levelIn: null, dtmf: '', ...patch };
}

function incoming(s, request) {
  const from = request.from;
  const who = callerOf(from.display_name, from.uri.user);
  set({ calls: state.calls + 1 });
  if (session) {
    // One call at a time: the router tries the person's other devices.
    s.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    return;
  }
  if (state.call) endCall(); // a failed call still on screen
  session = s;
  const call = newCall({ dir: 'in', state: 'ringing', ...who });
  follow(s, call.id);
  startRing();
  set({ call, incoming: who.external ? `${EXTERNAL_DISPLAY} ${who.number}` : who.name });
}

export async function answer() {
  const c = state.call;
  const s = session;
  if (!c || !s || c.dir !== 'in' || (c.state !== 'ringing' && c.state !== 'answering')) return;
  patchCall(c.id, { state: 'answering', mic: '' });
  stopRing();
  const m = await getMic();
  if (session !== s) {
    if (m.stream) for (const tr of m.stream.getTracks()) tr.stop();
    return;
  }
  if (m.error) return patchCall(c.id, { state: 'ringing', mic: m.error });
  mic = m.stream;
  try {
    s.answer({ mediaStream: mic, pcConfig: { iceServers: [] } });
  } catch (e) {
    endCall();
    set({ call: null, incoming: '' });
  }
}

// Declined: 486 Busy Here, so the caller hears busy (and the router
// goes on as with a busy phone).
export function decline() {
  const s = session;
  if (!s || !state.call || state.call.dir !== 'in') return;
  try {
    s.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
  } catch (e) {
    /* already gone */
  }
}

export function hangup() {
  if (state.call && !session) return set({ call: null });
  endCall();
  set({ call: null, incoming: '' });
}

// What the dial pad or a list hands over: an extension ("05"), a
// national ("0612345678") or international ("+39…", "0039…") number.
// Spaces, dots, dashes and brackets go; the router decides the rest.
export function cleanNumber(n) {
  return String(n || '').replace(/[\s.\-()/]/g, '');
}

export async function dial(number, name) {
  const n = cleanNumber(number);
  if (!n || !/^\+?[0-9*#]+$/.test(n) || session) return false;
  if (state.call) endCall();
  const call = newCall({ dir: 'out', state: 'calling', number: n, name: name || n });
  set({ call });
  if (!ua || state.status !== 'registered') {
    set({ call: { ...call, state: 'failed', reason: 'offline' } });
    return false;
  }
  const m = await getMic();
  if (!state.call || state.call.id !== call.id) {
    if (m.stream) for (const tr of m.stream.getTracks()) tr.stop();
    return false;
  }
  if (m.error) {
    set({ call: { ...call, state: 'failed', reason: m.error === 'denied' ? 'mic' : 'nomic' } });
    return false;
  }
  mic = m.stream;
  let s;
  try {
    s = ua.call(`sip:${n}@${domain}`, { mediaStream: mic, pcConfig: { iceServers: [] } });
  } catch (e) {
    endCall();
    set({ call: { ...call, state: 'failed', reason: 'other' } });
    return false;
  }
  session = s;
  follow(s, call.id);
  s.on('progress', ({ response }) => {
    const early = response && response.body && response.status_code === 183;
    patchCall(call.id, { state: early ? 'early' : 'progress' });
  });
  // JsSIP made the connection inside call(): its 'peerconnection'
  // event has passed.
  if (s.connection) {
    playRemote(s.connection);
    watchStats(call.id, s.connection);
  }
  return true;
}

export function toggleMute() {
  if (!session || !state.call || state.call.state !== 'active') return;
  if (state.call.muted) session.unmute({ audio: true });
  else session.mute({ audio: true });
}

export function toggleHold() {
  if (!session || !state.call || state.call.state !== 'active') return;
  if (state.call.held) session.unhold();
  else session.hold();
}

// A key of the in-call keypad, in the audio (RFC 4733 through WebRTC's
// DTMF sender), for the menus of the people the person calls.
export function sendDtmf(key) {
  if (!session || !state.call || state.call.state !== 'active') return;
  try {
    session.sendDTMF(key, { transportType: 'RFC2833', duration: 120, interToneGap: 70 });
    patchCall(state.call.id, { dtmf: (state.call.dtmf + key).slice(-24) });
  } catch (e) {
    /* not now (no audio sender yet) */
  }
}

// Closes a failed call's screen.
export function dismiss() {
  if (state.call && state.call.state === 'failed') set({ call: null });
}

export function usePhone() {
  const [s, setS] = useState(phoneState());
  useEffect(() => {
    subs.add(setS);
    setS(phoneState());
    return () => subs.delete(setS);
  }, []);
  return s;
}
