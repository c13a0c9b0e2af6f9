// The phone: this browser as one of the person's SIP devices ("web").
// After login it asks GET /v1/me/sip?device=web for its credentials
// (the person never types a secret) and registers with JsSIP over the
// edge's WebSocket (ws_url in that answer); on logout it unregisters.
// docs/app.md, "The phone"; docs/edge.md, "SIP over WebSocket".
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
// incoming is the caller of the one ringing now, or ''. Answering and
// audio are the next step of the issue: an incoming call only rings here.
import JsSIP from 'jssip';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

const RETRY_MS = 10000;

let ua = null;
let gen = 0; // bumped by stopPhone: a start still fetching gives up
let retry = null;
const state = { status: 'off', calls: 0, incoming: '' };
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
  const mine = (fn) => (...a) => ua === u && fn(...a);
  u.on('connecting', mine(() => state.status !== 'registered' && set({ status: 'registering' })));
  u.on('disconnected', mine(() => set({ status: 'lost', incoming: '' })));
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
    if (originator !== 'remote') return;
    const from = request.from;
    set({ calls: state.calls + 1, incoming: from.display_name || from.uri.user || '?' });
    const done = () => set({ incoming: '' });
    session.on('ended', done);
    session.on('failed', done);
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
  const u = ua;
  ua = null;
  if (u) u.stop();
  set({ status: 'off', incoming: '', calls: 0 });
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
