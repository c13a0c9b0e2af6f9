// The page the reset mail links to (/password): code + new password.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { useLocation } from '../router.js';
import { Header, Field, Alert, splitError } from '../ui.jsx';
import { PolicyHints } from './hints.jsx';
import { lastLogin } from './login.jsx';

export function Reset() {
  const { query } = useLocation();
  const last = lastLogin();
  const [v, setV] = useState({
    number: query.get('number') || last.number || '',
    username: query.get('username') || last.username || '',
    code: query.get('code') || '',
    new_password: '',
    confirm_password: '',
  });
  const [err, setErr] = useState(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await api.reset({ ...v, number: v.number.trim(), username: v.username.trim(), code: v.code.trim() });
      setDone(true);
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  };
  const { form, fields } = splitError(err, ['number', 'username', 'code', 'new_password', 'confirm_password']);
  return (
    <>
      <Header title={t('reset.title')} back="/login" langSwitch />
      <main class="page narrow">
        {done ? (
          <>
            <Alert kind="ok">{t('reset.done')}</Alert>
            <a class="btn primary block" href={'/login?' + new URLSearchParams({ number: v.number, username: v.username })}>
              {t('login.submit')}
            </a>
          </>
        ) : (
          <form onSubmit={submit} noValidate>
            <p>{t('reset.intro')}</p>
            <Field id="number" label={t('login.number')} type="tel" inputMode="tel" value={v.number} onInput={set('number')} error={fields.number} required />
            <Field id="username" label={t('login.username')} autoCapitalize="none" value={v.username} onInput={set('username')} error={fields.username} required />
            <Field id="code" label={t('reset.code')} autoCapitalize="none" autoComplete="one-time-code" value={v.code} onInput={set('code')} error={fields.code} required />
            <Field id="new_password" label={t('pw.new')} type="password" autoComplete="new-password" value={v.new_password} onInput={set('new_password')} error={fields.new_password} required />
            <Field id="confirm_password" label={t('pw.confirm')} type="password" autoComplete="new-password" value={v.confirm_password} onInput={set('confirm_password')} error={fields.confirm_password} required />
            <PolicyHints password={v.new_password} confirm={v.confirm_password} />
            <Alert>{form}</Alert>
            <button class="btn primary block" type="submit" disabled={busy}>
              {t('reset.submit')}
            </button>
          </form>
        )}
      </main>
    </>
  );
}
