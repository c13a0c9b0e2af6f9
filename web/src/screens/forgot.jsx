// "Password dimenticata?": asks for a reset code by mail.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { useLocation } from '../router.js';
import { Header, Field, Alert, splitError } from '../ui.jsx';

export function Forgot() {
  const { query } = useLocation();
  const [number, setNumber] = useState(query.get('number') || '');
  const [username, setUsername] = useState(query.get('username') || '');
  const [err, setErr] = useState(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await api.forgot(number.trim(), username.trim());
      setSent(true);
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  };
  const { form, fields } = splitError(err, ['number', 'username']);
  return (
    <>
      <Header title={t('forgot.title')} back="/login" langSwitch />
      <main class="page narrow">
        <p>{t('forgot.intro')}</p>
        <form onSubmit={submit} noValidate>
          <Field id="number" label={t('login.number')} type="tel" inputMode="tel" value={number} onInput={(e) => setNumber(e.target.value)} error={fields.number} required />
          <Field id="username" label={t('login.username')} autoCapitalize="none" value={username} onInput={(e) => setUsername(e.target.value)} error={fields.username} required />
          <Alert>{form}</Alert>
          {sent && <Alert kind="ok">{t('forgot.sent')}</Alert>}
          <button class="btn primary block" type="submit" disabled={busy}>
            {t('forgot.submit')}
          </button>
        </form>
        <p class="center">
          <a href={'/password?' + new URLSearchParams({ number, username })}>{t('forgot.have_code')}</a>
          {' · '}
          <a href="/login">{t('forgot.back')}</a>
        </p>
      </main>
    </>
  );
}
