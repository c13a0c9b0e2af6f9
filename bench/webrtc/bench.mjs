// bench/webrtc: how fast a browser's call rings, against a desk phone's.
//
// Call setup from the browser (issue "The phone in the app"): a person
// dials a colleague's extension in the app's phone (JsSIP over the
// edge's WebSocket, a WebRTC offer with ICE and DTLS) and the
// colleague's browser rings; the time from dialling to the caller
// seeing "ringing" (the 180) is measured on the caller's page, for N
// calls one after another, each cancelled once it rings. The baseline,
// in the same run on the same stack: a registered SIPp phone over UDP
// dials a SIPp phone that rings (ring_uac.xml, its rtd from the first
// INVITE to the 180). Both include the edge's digest challenge (407 and
// a second INVITE), the router's decision and rtpengine's offer.
//
//   node bench/webrtc/bench.mjs [calls]      (make bench runs it)
//
// Prints p50/p99 of each and their ratio, and where the browser's time
// goes: before its INVITE leaves (microphone, offer, ICE gathering, all
// in the browser) and from there to the 180 (the edge, the router,
// rtpengine, the callee's browser). Never fails on timing.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stackUp, stackDown, company, register, freeUdpPort, until, browser, toneWav, scratch } from '../../tests/web/lib.mjs';
import { webPhone } from '../../tests/web/webrtc.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const N = Number(process.argv[2] || 50);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

// The bench's company: calls one after another, so a cancelled call's
// dialog may still hold its slot for a moment; the default limit is 10
// at once.
async function bench_company(env) {
  const { t, users } = await company(env, [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']], async (t) => {
    const r = await t.operator('PATCH', `/v1/tenants/${t.id}`, { max_calls: 100 });
    if (r.status !== 200) throw new Error(`max_calls: ${r.status}`);
  });
  return { t, mario: users.Mario, laura: users.Laura };
}

// The browser: Mario's page dials 05, Laura's page rings (JsSIP sends
// the 180 itself), Mario cancels.
async function browsers(env, b, c) {
  const mario = await webPhone(b, env, c.mario);
  const laura = await webPhone(b, env, c.laura);
  const ms = [];
  try {
    for (let i = 0; i < N + 3; i++) {
      const out = await mario.call('05');
      const x = await until(async () => {
        const v = await mario.info(out);
        if (v.state === 'failed' || v.state === 'ended') throw new Error(`call ${i}: ${v.cause} ${v.code}`);
        return v.ringing && v;
      }, `call ${i} rings`, 10000);
      if (i >= 3) ms.push([x.ringing - x.t, x.sent - x.t, x.ringing - x.sent]); // the first ones warm up
      await mario.hangup(out);
      await until(async () => ['failed', 'ended'].includes((await laura.info(i)).state), `call ${i} cancelled at Laura`, 10000);
    }
  } finally {
    await mario.close();
    await laura.close();
  }
  return ms;
}

// The baseline: SIPp phones over UDP, N calls one at a time.
async function phones(env, c) {
  const lport = await freeUdpPort();
  await register(env, c.laura, lport);
  const uas = spawn('sipp', ['-sf', join(HERE, '..', '..', 'tests', 'sipp', 'uas_ring.xml'), '-i', '127.0.0.1', '-p', String(lport), '-m', String(N + 3), '-nostdin', '-timeout', '300s', `127.0.0.1:${env.OV_SIP_PORT}`], { cwd: scratch('sipp'), stdio: 'ignore' });
  const mport = await freeUdpPort();
  await register(env, c.mario, mport);
  const work = scratch('bench-rtt');
  const scen = join(work, 'ring_uac.xml');
  writeFileSync(scen, readFileSync(join(HERE, 'ring_uac.xml')));
  const s = c.mario.sip;
  const p = spawn('sipp', ['-sf', scen, '-i', '127.0.0.1', '-p', String(mport), '-s', '05', '-key', 'from', s.username, '-key', 'domain', s.domain, '-au', s.auth_username, '-ap', s.password, '-m', String(N + 3), '-l', '1', '-r', '20', '-nostdin', '-timeout', '300s', '-trace_rtt', '-rtt_freq', '1', `127.0.0.1:${env.OV_SIP_PORT}`], { cwd: work, stdio: 'ignore' });
  const code = await new Promise((r) => p.on('exit', r));
  uas.kill();
  const f = readdirSync(work).find((x) => x.endsWith('_rtt.csv'));
  if (code !== 0 || !f) throw new Error(`sipp exit ${code}, rtt file ${f}`);
  // Date_ms;response_time_ms;rtd_no
  const rows = readFileSync(join(work, f), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(';')[1]));
  return rows.filter((x) => Number.isFinite(x)).slice(3);
}

const env = await stackUp();
const b = await browser({ media: { wav: toneWav(440, 5) } });
try {
  const c = await bench_company(env);
  const base = await phones(env, c);
  const rows = await browsers(env, b, c);
  const web = rows.map((r) => r[0]);
  const row = (name, xs) => `${name.padEnd(34)} ${String(xs.length).padStart(5)} ${pct(xs, 50).toFixed(1).padStart(8)} ${pct(xs, 99).toFixed(1).padStart(8)}`;
  console.log(`call setup, dial to ringing, on loopback, ${N} calls one at a time`);
  console.log(`${'caller → callee'.padEnd(34)} calls  p50 ms   p99 ms`);
  console.log(row('SIPp phone → SIPp phone (UDP)', base));
  console.log(row('browser → browser (WebSocket)', web));
  console.log(row('  of which dial → INVITE sent', rows.map((r) => r[1])));
  console.log(row('  of which INVITE → 180', rows.map((r) => r[2])));
  console.log(`ratio browser/baseline: p50 ${(pct(web, 50) / pct(base, 50)).toFixed(2)}x, p99 ${(pct(web, 99) / pct(base, 99)).toFixed(2)}x`);
} finally {
  await b.close();
  stackDown();
}
