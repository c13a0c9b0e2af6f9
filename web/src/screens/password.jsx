// First login: the forced password change ("Telefono Virtuale •
// Password"). Success logs out every session: "PASSWORD CAMBIATA!
// Logout in corso..." then the login.
import { useState } from 'preact/hooks';
import { api, setSession } from '../api.js';
import { t } from '../i18n.js';
import { Header, Field, Alert, splitError } from '../ui.jsx';
import { PolicyHints } from './hints.jsx';

export function ChangePassword({ session, onDone }) {
  const [v, setV] = useState({ old_password: '', new_password: '', confirm_password: '' });
  const [err, setErr] = useState(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      await api.changePassword(v);
      setDone(true);
      setSession(null); // every token is revoked now
      setTimeout(onDone, 2000);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  };
  const { form, fields } = splitError(err, ['old_password', 'new_password', 'confirm_password']);
  if (done) {
    return (
      <>
        <Header title={t('pw.title')} />
        <main class="page narrow done" role="status">
          <p class="big">{t('pw.done')}</p>
          <p>{t('pw.logout')}</p>
        </main>
      </>
    );
  }
  return (
    <>
      <Header title={t('pw.title')} langSwitch />
      <main class="page narrow">
        <p class="who">{session.username}</p>
        {session.must_change && <p>{t('pw.intro')}</p>}
        <form onSubmit={submit} noValidate>
          <Field id="old_password" label={t('pw.old')} type="password" autoComplete="current-password" value={v.old_password} onInput={set('old_password')} error={fields.old_password} required />
          <Field id="new_password" label={t('pw.new')} type="password" autoComplete="new-password" value={v.new_password} onInput={set('new_password')} error={fields.new_password} required />
          <Field id="confirm_password" label={t('pw.confirm')} type="password" autoComplete="new-password" value={v.confirm_password} onInput={set('confirm_password')} error={fields.confirm_password} required />
          <PolicyHints password={v.new_password} confirm={v.confirm_password} />
          <Alert>{form}</Alert>
          <button class="btn primary block" type="submit" disabled={busy}>
            {t('pw.submit')}
          </button>
        </form>
      </main>
    </>
  );
}
