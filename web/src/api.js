// The one client of the admin REST API (same origin, bearer token).
// It knows HTTP and the session; what is allowed is decided by the
// service, whose problem JSON (RFC 9457: code, detail, field) is handed
// back to the screens as an ApiError.

const KEY = 'ov.session';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.code = (problem && problem.code) || '';
    this.field = (problem && problem.field) || '';
    this.retryAfter = 0;
  }
}

let session = null;
try {
  session = JSON.parse(localStorage.getItem(KEY) || 'null');
} catch (e) {
  session = null;
}

export function getSession() {
  return session;
}

export function setSession(s) {
  session = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

// Screens listen: 'expired' (401: the token is gone) and
// 'must-change' (403 password_change_required).
const listeners = new Set();
export function onAuthEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function emit(ev) {
  for (const fn of listeners) fn(ev);
}

async function request(method, path, { body, raw, type, accept, auth = true } = {}) {
  const headers = { Accept: accept || 'application/json' };
  if (auth && session) headers.Authorization = `Bearer ${session.token}`;
  let data;
  if (raw !== undefined) {
    data = raw;
    headers['Content-Type'] = type;
  } else if (body !== undefined) {
    data = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: data, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { code: 'network', detail: '' });
  }
  if (res.ok) {
    if (res.status === 204) return null;
    const ct = res.headers.get('Content-Type') || '';
    if (ct.includes('json')) return res.json();
    return res.blob();
  }
  let problem = null;
  try {
    problem = await res.json();
  } catch (e) {
    problem = null;
  }
  const err = new ApiError(res.status, problem);
  err.retryAfter = Number(res.headers.get('Retry-After') || 0);
  if (auth && res.status === 401 && session) {
    setSession(null);
    emit('expired');
  } else if (res.status === 403 && err.code === 'password_change_required') {
    emit('must-change');
  }
  throw err;
}

export const api = {
  login: (number, username, password) =>
    request('POST', '/v1/auth/login', { body: { number, username, password }, auth: false }),
  // The menu's logout ends every session of the person ({all: true}).
  logout: ({ all = false } = {}) => request('POST', '/v1/auth/logout', all ? { body: { all: true } } : {}),
  forgot: (number, username) =>
    request('POST', '/v1/auth/forgot', { body: { number, username }, auth: false }),
  reset: (b) => request('POST', '/v1/auth/reset', { body: b, auth: false }),
  changePassword: (b) => request('POST', '/v1/auth/password', { body: b }),

  me: () => request('GET', '/v1/me'),
  // SIP credentials of one of the person's devices (the phone: 'web').
  sip: (device) => request('GET', '/v1/me/sip?device=' + encodeURIComponent(device)),
  patchMe: (b) => request('PATCH', '/v1/me', { body: b }),
  photo: () => request('GET', '/v1/me/photo', { accept: 'image/png, image/jpeg' }),
  putPhoto: (blob) => request('PUT', '/v1/me/photo', { raw: blob, type: blob.type }),
  deletePhoto: () => request('DELETE', '/v1/me/photo'),
  consent: (id, version, granted) =>
    request('PUT', `/v1/me/consents/${encodeURIComponent(id)}`, { body: { version, granted } }),
  devices: () => request('GET', '/v1/me/devices'),

  users: () => request('GET', '/v1/users'),
  addUser: (b) => request('POST', '/v1/users', { body: b }),
  patchUser: (id, b) => request('PATCH', `/v1/users/${encodeURIComponent(id)}`, { body: b }),
  deleteUser: (id) => request('DELETE', `/v1/users/${encodeURIComponent(id)}`),

  templates: () => request('GET', '/v1/message-templates'),
  draft: () => request('GET', '/v1/config/draft'),
  putRinging: (b) => request('PUT', '/v1/ringing', { body: b }),
  putForwarding: (b) => request('PUT', '/v1/forwarding', { body: b }),
  putMessage: (kind, b) => request('PUT', `/v1/messages/${kind}`, { body: b }),
  previewText: (kind) => request('GET', `/v1/messages/${kind}/preview`),
  previewAudio: (kind) => request('GET', `/v1/messages/${kind}/preview`, { accept: 'audio/wav' }),
  diff: () => request('GET', '/v1/config/diff'),
  apply: () => request('POST', '/v1/apply'),
  simulate: (b) => request('POST', '/v1/simulate', { body: b }),
  callsToday: () => request('GET', '/v1/calls/today'),

  directory: (q) => request('GET', '/v1/directory' + (q ? '?q=' + encodeURIComponent(q) : '')),
  contacts: (q) => request('GET', '/v1/me/contacts' + (q ? '?q=' + encodeURIComponent(q) : '')),
  addContact: (b) => request('POST', '/v1/me/contacts', { body: b }),
  patchContact: (id, b) => request('PATCH', `/v1/me/contacts/${encodeURIComponent(id)}`, { body: b }),
  deleteContact: (id) => request('DELETE', `/v1/me/contacts/${encodeURIComponent(id)}`),
  myCalls: () => request('GET', '/v1/me/calls'),
};
