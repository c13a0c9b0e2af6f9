// Login: fixed number ("Utenza"), username, password.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { useLocation } from '../router.js';
import { Header, Field, Alert, errorText, splitError } from '../ui.jsx';

const LAST = 'ov.last';

export function lastLogin() {
  try {
    return JSON.parse(localStorage.getItem(LAST) || '{}');
  } catch (e) {
    return {};
  }
}

export function Login({ onLogin, notice }) {
  const { query } = useLocation();
  const last = lastLogin();
  const [number, setNumber] = useState(query.get('number') || last.number || '');
  const [username, setUsername] = useState(query.get('username') || last.username || '');
  const [password, setPassword] = useState('');
  const [show, setShow] = useState(false);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);

  const [missing, setMissing] = useState({});
  const submit = async (e) => {
    e.preventDefault();
    // Empty fields are said at once (the service answers them with the
    // same 401 as a wrong password).
    const miss = Object.fromEntries(Object.entries({ number, username, password }).filter(([, v]) => !v.trim()).map(([k]) => [k, t('required')]));
    setMissing(miss);
    setErr(null);
    if (Object.keys(miss).length) return;
    setBusy(true);
    try {
      const r = await api.login(number.trim(), username.trim(), password);
      localStorage.setItem(LAST, JSON.stringify({ number: number.trim(), username: username.trim() }));
      onLogin(
        { token: r.token, role: r.user.role, must_change: r.must_change_password, number: number.trim(), username: username.trim() },
        query.get('next')
      );
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  };
  const split = splitError(err, ['number', 'username', 'password']);
  const form = split.form;
  const fields = { ...missing, ...split.fields };
  const formText = err && err.status === 401 ? t('login.bad') : form;
  return (
    <>
      <Header title={t('login.title')} langSwitch />
      <main class="page narrow">
        <div class="brand" aria-hidden="true">
          <img src="/icons/icon.svg" alt="" width="72" height="72" />
        </div>
        {notice === 'expired' && <Alert kind="info">{t('err.expired')}</Alert>}
        <form onSubmit={submit} noValidate>
          <Field id="number" label={t('login.number')} type="tel" inputMode="tel" autoComplete="tel" value={number} onInput={(e) => setNumber(e.target.value)} error={fields.number} required />
          <Field id="username" label={t('login.username')} autoComplete="username" autoCapitalize="none" value={username} onInput={(e) => setUsername(e.target.value)} error={fields.username} required />
          <Field id="password" label={t('login.password')} type={show ? 'text' : 'password'} autoComplete="current-password" value={password} onInput={(e) => setPassword(e.target.value)} error={fields.password} required />
          <label class="check">
            <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} /> {t('login.show')}
          </label>
          <Alert>{formText}</Alert>
          <button class="btn primary block" type="submit" disabled={busy}>
            {t('login.submit')}
          </button>
        </form>
        <p class="center">
          <a href={'/password-dimenticata' + (number || username ? '?' + new URLSearchParams({ number, username }) : '')}>{t('login.forgot')}</a>
        </p>
      </main>
    </>
  );
}

export { errorText };
