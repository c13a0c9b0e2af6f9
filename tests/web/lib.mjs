// What the browser tests share: a stack (the one scripts/web.sh test
// started, OV_WEB_STACK_ENV, or one of our own), a tenant made through
// the operator API, the mails in the SMTP sink's directory, Chromium
// driven by playwright-core, and axe-core on every screen.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const requireWeb = createRequire(join(ROOT, 'web', 'package.json'));
const { chromium } = requireWeb('playwright-core');
const AXE = readFileSync(requireWeb.resolve('axe-core/axe.min.js'), 'utf8');

export function readEnv(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && !line.startsWith('#')) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

// ---- the stack ----
// A port base whose fixed ports (SIP, PostgreSQL, rtpengine, SMTP, the
// services' HTTP) are free, TCP and UDP, as tests/integration picks one.
function free(port, kind) {
  return new Promise((res) => {
    if (kind === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', () => res(false));
      s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
    } else {
      const s = net.createServer();
      s.once('error', () => res(false));
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
    }
  });
}
export async function freeBase() {
  for (let i = 0; i < 200; i++) {
    // Below the ephemeral ports (32768-60999), as conftest.py picks one.
    const base = 20000 + 1200 * Math.floor(Math.random() * 10);
    const ports = [0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14].map((d) => base + d);
    let ok = true;
    for (const p of ports) if (!(await free(p, 'tcp')) || !(await free(p, 'udp'))) ok = false;
    if (ok) return base;
  }
  throw new Error('no free port base');
}

// Every temporary folder a test file makes (SIPp copies and traces,
// tones, baresip's folders, what a phone heard) lives under one folder
// of this process, removed when it exits (OV_KEEP_RUN=1 keeps it).
let scratchRoot = null;
export function scratch(prefix) {
  if (!scratchRoot) {
    const root = mkdtempSync(join(tmpdir(), 'ov-webtest-'));
    scratchRoot = root;
    process.on('exit', () => {
      if (process.env.OV_KEEP_RUN !== '1') rmSync(root, { recursive: true, force: true });
    });
  }
  return mkdtempSync(join(scratchRoot, prefix + '-'));
}

let own = null;
export async function stackUp() {
  if (process.env.OV_WEB_STACK_ENV) return readEnv(process.env.OV_WEB_STACK_ENV);
  const run = mkdtempSync(join(tmpdir(), 'ov-web-'));
  chmodSync(run, 0o755);
  const base = String(await freeBase());
  own = { run, env: { ...process.env, OV_RUN_DIR: run, OV_PORT_BASE: base } };
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { env: own.env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 120000 });
  return readEnv(join(run, 'stack.env'));
}
export function stackDown() {
  if (!own) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'down'], { env: own.env, stdio: 'ignore' });
  if (process.env.OV_KEEP_RUN !== '1') rmSync(own.run, { recursive: true, force: true });
  own = null;
}

export function ovctl(env, ...args) {
  return execFileSync(join(env.OV_BIN_DIR, 'ovctl'), ['--env', join(env.OV_RUN_DIR, 'stack.env'), ...args], { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'pipe'] });
}

// ---- the REST API, as a test checks the backend ----
export function client(env, token) {
  const base = env.OV_ADMIN_HTTP;
  return async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch (e) {
      json = null;
    }
    return { status: r.status, json, headers: r.headers };
  };
}

// ---- mails: the SMTP sink's .eml files ----
function qp(s) {
  const bytes = [];
  const soft = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function mails(env) {
  const dir = env.OV_MAIL_DIR;
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml')).sort();
  } catch (e) {
    return [];
  }
  return names.map((n) => {
    const raw = readFileSync(join(dir, n), 'utf8');
    const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
    const header = (h) => {
      const m = new RegExp('^' + h + ': (.*)$', 'mi').exec(head);
      return m ? m[1].trim() : '';
    };
    const parts = raw.split(/\r?\n--[-\w]+/);
    const plain = parts.find((p) => /Content-Type: text\/plain/i.test(p)) || raw;
    const body = plain.slice(plain.search(/\r?\n\r?\n/) + 2);
    const text = /quoted-printable/i.test(plain.slice(0, 300)) ? qp(body) : body;
    return { file: n, to: header('To'), subject: header('Subject'), text };
  });
}

export async function waitMail(env, pred, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const m = mails(env).find(pred);
    if (m) return m;
    if (Date.now() > end) throw new Error(`no mail ${what} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function field(mail, ...labels) {
  for (const line of mail.text.split(/\r?\n/))
    for (const l of labels) if (line.startsWith(l + ': ')) return line.slice(l.length + 2).trim();
  return null;
}

// ---- a tenant of our own, as the carrier creates it ----
let seq = Math.floor(Math.random() * 700000) + 100000;
export async function newTenant(env, { prepare = false, name = 'Web Srl' } = {}) {
  const key = ovctl(env, 'apikey', 'create', 'web tests').trim().split(/\s+/).pop();
  const number = `06${String(seq++).padStart(7, '0')}${Math.floor(Math.random() * 10)}`;
  const domain = `w${number}.example`;
  const op = client(env, key);
  const r = await op('POST', '/v1/tenants', { company_name: name, number, admin_email: `admin@${domain}` });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const mail = await waitMail(env, (m) => m.to === `admin@${domain}` && field(m, 'Password'), `for admin@${domain}`);
  const t = { env, id: r.json.id, number, domain, username: 'Amministratore', password: field(mail, 'Password'), operator: op };
  if (prepare) await prepareAdmin(t);
  return t;
}

export const NEW_PASSWORD = 'Nuova.Password1';

// The first login done through the API (for tests of later screens):
// password changed, consents given, tutorial seen.
export async function prepareAdmin(t, { consents = true, tutorial = true } = {}) {
  const anon = client(t.env);
  let r = await anon('POST', '/v1/auth/login', { number: t.number, username: t.username, password: t.password });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  let api = client(t.env, r.json.token);
  r = await api('POST', '/v1/auth/password', { old_password: t.password, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  t.password = NEW_PASSWORD;
  r = await anon('POST', '/v1/auth/login', { number: t.number, username: t.username, password: t.password });
  assert.equal(r.status, 200);
  t.token = r.json.token;
  t.api = client(t.env, t.token);
  if (consents) assert.equal((await t.api('PUT', '/v1/me/consents/call_account', { version: '1', granted: true })).status, 200);
  if (tutorial) assert.equal((await t.api('PATCH', '/v1/me', { tutorial_seen: true })).status, 200);
  return t;
}

// ---- the browser ----
// media: calls with fake devices: { wav } is the microphone (a file the
// test wrote, toneWav), played once (%noloop) or, with loop, over and
// over; permission prompts are
// answered yes, unless micPrompt: 'deny' leaves them to headless
// Chromium, which refuses them (getUserMedia: NotAllowedError).
export async function browser({ media } = {}) {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', '--lang=it-IT'];
  if (media) {
    args.push('--use-fake-device-for-media-stream');
    if (media.micPrompt !== 'deny') args.push('--use-fake-ui-for-media-stream');
    if (media.wav) args.push(`--use-file-for-fake-audio-capture=${media.wav}${media.loop ? '' : '%noloop'}`);
  }
  return chromium.launch({ executablePath: process.env.OV_CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

// A tone for a fake microphone (or baresip's): 16-bit mono PCM at rate
// (48 kHz), `seconds` long, at amp (half scale), into a temporary
// file; returns its path.
export function toneWav(hz, seconds = 20, { rate = 48000, amp = 16000 } = {}) {
  const n = Math.floor(rate * seconds);
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8);
  buf.write('fmt ', 12);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  const file = join(scratch('tone'), `tone-${hz}.wav`);
  writeFileSync(file, buf);
  return file;
}

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

export async function newPage(b, env, { viewport = PHONE, lang = 'it' } = {}) {
  const ctx = await b.newContext({ viewport, locale: lang === 'en' ? 'en-GB' : 'it-IT', baseURL: env.OV_APP_URL, serviceWorkers: 'block' });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return page;
}

// A text field by its accessible name (the label, without the "*").
export function box(page, name) {
  return page.getByRole('textbox', { name, exact: typeof name === 'string' });
}

// Logs in through the login screen; lands on `path` (default home).
export async function uiLogin(page, t, path = '/') {
  await page.goto('/login');
  await box(page, /^Utenza/).fill(t.number);
  await box(page, 'Username').fill(t.username);
  await box(page, 'Password').fill(t.password);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL((u) => u.pathname !== '/login');
  if (path !== '/') await page.goto(path);
}

// axe-core on the page as it is: no serious or critical violation
// (colour contrast included).
export async function axe(page, what) {
  // Evaluated over the DevTools protocol, not as an inline <script>:
  // the app's Content-Security-Policy (script-src 'self') refuses those.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe on ${what}: ${JSON.stringify(bad, null, 1)}`);
  // Nothing wider than the screen (a 360-px phone in most tests).
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= w, `${what}: the page is ${sw} px wide on a ${w}-px screen`);
  return res;
}

// ---- a company at work: people applied, phones on SIPp ----
// POST /v1/apply, then wait until the router decides on that version
// (POST /v1/simulate answers it), as tests/integration/calls.py does.
export async function applyNow(t) {
  const r = await t.api('POST', '/v1/apply');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const end = Date.now() + 15000;
  for (;;) {
    const s = await t.api('POST', '/v1/simulate', { from: '3331234567' });
    if (s.status === 200 && s.json.version >= r.json.version) return r.json;
    if (Date.now() > end) throw new Error(`router has not version ${r.json.version}: ${s.status} ${JSON.stringify(s.json)}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

// A person of the tenant, activated by an apply: the mailed password
// changed, the consent given, the tutorial seen (like prepareAdmin).
export async function activeUser(t, username) {
  const mail = await waitMail(t.env, (m) => m.to === `${username.toLowerCase()}@${t.domain}` && field(m, 'Password'), `of activation for ${username}`);
  const u = await prepareAdmin({ env: t.env, number: t.number, username, password: field(mail, 'Password') });
  u.sip = (await u.api('GET', '/v1/me/sip')).json;
  return u;
}

// A company of people ([name, username, extension]), applied and each
// activated (activeUser); settings(t, ids) runs before the apply, with
// the new users' ids by username. Returns { t, users } by username.
export async function company(env, people, settings) {
  const t = await prepareAdmin(await newTenant(env));
  const ids = {};
  for (const [name, username, extension] of people) {
    const r = await t.api('POST', '/v1/users', { name, username, extension, email: `${username.toLowerCase()}@${t.domain}` });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    ids[username] = r.json.id;
  }
  if (settings) await settings(t, ids);
  await applyNow(t);
  const users = {};
  for (const [, username] of people) users[username] = await activeUser(t, username);
  return { t, users };
}

// SIPp once against the stack's Kamailio on 127.0.0.1:port, as
// tests/integration/conftest.py runs it; resolves with its exit code.
export function sipp(env, scenario, args, { port, limit = '10s', expect } = {}) {
  let path = isAbsolute(scenario) ? scenario : join(ROOT, 'tests', 'sipp', scenario);
  if (expect !== undefined) {
    const copy = join(scratch('sipp'), scenario);
    writeFileSync(copy, readFileSync(path, 'utf8').replaceAll('[expect]', String(expect)));
    path = copy;
  }
  const argv = ['-sf', path, '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-nostdin', '-timeout', limit, '-timeout_error', ...args, `127.0.0.1:${env.OV_SIP_PORT}`];
  const cwd = scratch('sipp');
  const p = spawn('sipp', argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  return new Promise((res) => p.on('exit', (code) => res({ code, out: out.slice(-3000) })));
}

// Resolves once something (a SIPp just started) listens on UDP `port`.
export async function udpBound(port, timeout = 10000) {
  return until(async () => !(await free(port, 'udp')), `UDP ${port} bound`, timeout);
}

export async function freeUdpPort() {
  for (;;) {
    // Above every stack's ports (a base below 31400, 1,100 ports each).
    const p = 40000 + Math.floor(Math.random() * 20000);
    if (await free(p, 'udp')) return p;
  }
}

// The person's phone registered on `port` (their GET /v1/me/sip).
export async function register(env, u, port) {
  const s = u.sip;
  const r = await sipp(env, 'register.xml', ['-s', s.username, '-key', 'domain', s.domain, '-key', 'expires', '300', '-au', s.auth_username, '-ap', s.password], { port, expect: 200 });
  assert.equal(r.code, 0, r.out);
}

// Polls fn until it returns something truthy.
export async function until(fn, what, timeout = 10000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not after ${timeout} ms`);
    await new Promise((res) => setTimeout(res, 150));
  }
}
