// bench/webrtc load: concurrent browser calls through rtpengine, and
// what each costs the stack, with transcoding off and on.
//
// K pages of one Chromium (fake microphone) each call a desk phone: a
// SIPp that answers every call and echoes its RTP back (-rtp_echo), so
// each call carries audio both ways: the browser's DTLS-SRTP leg and
// the phone's plain RTP leg. While the K calls are up, the CPU time of
// rtpengine and Kamailio is read from /proc for a window; CPU per call
// and the calls two cores could hold at that cost follow.
//
//   off: the browsers offer Opus and G.711, the phone answers G.711:
//        rtpengine decrypts and encrypts, no codec work (the default);
//   on:  the browsers offer Opus only (as one set up for it would), and
//        Kamailio runs with OV_RTPENGINE_FLAGS_RTP="codec-transcode-PCMA":
//        rtpengine adds G.711 to the phone's offer and transcodes
//        Opus <-> PCMA.
//
//   node bench/webrtc/load.mjs [calls] [seconds]
//
// Prints both rows and the ratio on/off; never fails on timing.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, stackUp, stackDown, company, register, freeUdpPort, until, browser, toneWav, scratch } from '../../tests/web/lib.mjs';
import { webPhone } from '../../tests/web/webrtc.mjs';

const K = Number(process.argv[2] || 6);
const SECONDS = Number(process.argv[3] || 10);
const HZ = 100; // USER_HZ, the unit of /proc/PID/stat times

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / HZ; // utime, stime
}

// rtpengine and Kamailio's main process with its children.
function pids(env) {
  const rtpe = Number(readFileSync(join(env.OV_RUN_DIR, 'pid', 'rtpengine.pid'), 'utf8').trim());
  const kam = Number(readFileSync(join(env.OV_RUN_DIR, 'pid', 'kamailio.pid'), 'utf8').trim());
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(kam)], { encoding: 'utf8' });
  return { rtpe: [rtpe], kam: [kam, ...out.split(/\s+/).filter(Boolean).map(Number)] };
}

function sample(p) {
  const sum = (xs) => xs.reduce((a, x) => {
    try {
      return a + cpuSeconds(x);
    } catch {
      return a;
    }
  }, 0);
  return { rtpe: sum(p.rtpe), kam: sum(p.kam), t: Date.now() / 1000 };
}

function stack(env, verb, name, extra = {}) {
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), verb, name], { env: { ...process.env, OV_RUN_DIR: env.OV_RUN_DIR, OV_PORT_BASE: env.OV_PORT_BASE, ...extra }, stdio: 'ignore', timeout: 60000 });
}

async function run(env, b, c, mode) {
  const phones = [];
  for (let i = 0; i < K; i++) phones.push(await webPhone(b, env, c.users.Mario, { register: false }));
  try {
    const calls = [];
    for (const p of phones) calls.push(await p.call('05', mode === 'on' ? 'opus' : undefined));
    for (let i = 0; i < K; i++) {
      await until(async () => {
        const x = await phones[i].info(calls[i]);
        if (x.state === 'failed' || x.state === 'ended') throw new Error(`${mode} call ${i}: ${x.cause} ${x.code}`);
        return x.state === 'confirmed';
      }, `${mode} call ${i} answered`, 20000);
    }
    // Audio both ways on every call: the echo comes back to the page.
    for (let i = 0; i < K; i++) await until(async () => (await phones[i].stats(calls[i])).packetsIn > 50, `${mode} call ${i} hears the echo`, 15000);
    const codecs = new Set();
    for (let i = 0; i < K; i++) codecs.add((await phones[i].stats(calls[i])).codec);
    const p = pids(env);
    const a = sample(p);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const z = sample(p);
    let up = 0;
    for (let i = 0; i < K; i++) if ((await phones[i].info(calls[i])).state === 'confirmed') up++;
    for (let i = 0; i < K; i++) await phones[i].hangup(calls[i]);
    const wall = z.t - a.t;
    return { mode, up, codecs: [...codecs].join(' '), rtpe: (100 * (z.rtpe - a.rtpe)) / wall, kam: (100 * (z.kam - a.kam)) / wall };
  } finally {
    for (const p of phones) await p.close();
  }
}

const env = await stackUp();
const b = await browser({ media: { wav: toneWav(440, 4), loop: true } });
let echo;
try {
  const c = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']], async (t) => {
    const r = await t.operator('PATCH', `/v1/tenants/${t.id}`, { max_calls: 100 });
    if (r.status !== 200) throw new Error(`max_calls: ${r.status}`);
  });
  // Laura's desk phone: answers everything, echoes the audio back.
  const lport = await freeUdpPort();
  await register(env, c.users.Laura, lport);
  echo = spawn('sipp', ['-sf', join(ROOT, 'tests', 'sipp', 'uas.xml'), '-i', '127.0.0.1', '-p', String(lport), '-rtp_echo', '-mp', String(await freeUdpPort()), '-nostdin', '-timeout', '600s', `127.0.0.1:${env.OV_SIP_PORT}`], { cwd: scratch('sipp'), stdio: 'ignore' });
  const off = await run(env, b, c, 'off');
  stack(env, 'stop', 'kamailio');
  stack(env, 'start', 'kamailio', { OV_RTPENGINE_FLAGS_RTP: 'codec-transcode-PCMA' });
  await new Promise((r) => setTimeout(r, 1000));
  const on = await run(env, b, c, 'on');
  console.log(`${K} concurrent browser calls to a desk phone (echo), CPU over ${SECONDS} s, % of one core`);
  console.log(`${'transcoding'.padEnd(12)} ${'calls up'.padStart(8)} ${'codec (browser)'.padEnd(18)} ${'rtpengine'.padStart(9)} ${'per call'.padStart(9)} ${'kamailio'.padStart(9)} ${'2 cores hold'.padStart(13)}`);
  for (const r of [off, on]) {
    const per = r.rtpe / r.up;
    console.log(`${r.mode.padEnd(12)} ${String(r.up).padStart(8)} ${r.codecs.padEnd(18)} ${r.rtpe.toFixed(1).padStart(8)}% ${per.toFixed(2).padStart(8)}% ${r.kam.toFixed(1).padStart(8)}% ${String(Math.floor(200 / per)).padStart(13)}`);
  }
  console.log(`ratio on/off, rtpengine CPU per call: ${(on.rtpe / on.up / (off.rtpe / off.up)).toFixed(2)}x`);
} finally {
  echo?.kill();
  await b.close();
  stackDown();
}
