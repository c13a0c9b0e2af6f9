// Consents after the first login: the call-account permission is
// required, the others optional; each recorded with its text's version.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { Header, Alert, errorText } from '../ui.jsx';

export const CONSENTS = [
  { id: 'call_account', version: '1', required: true },
  { id: 'contacts', version: '1', required: false },
  { id: 'camera', version: '1', required: false },
];

function granted(me, c) {
  const r = (me.consents || []).find((x) => x.id === c.id);
  return !!(r && r.granted && r.version === c.version);
}

export function consentsDone(me) {
  return CONSENTS.filter((c) => c.required).every((c) => granted(me, c));
}

export function Consents({ me, setMe }) {
  const [v, setV] = useState(() => Object.fromEntries(CONSENTS.map((c) => [c.id, granted(me, c)])));
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    if (CONSENTS.some((c) => c.required && !v[c.id])) {
      setErr(t('consents.need'));
      return;
    }
    setBusy(true);
    setErr('');
    try {
      let m = me;
      for (const c of CONSENTS) {
        const had = (me.consents || []).find((x) => x.id === c.id);
        if (!had || had.granted !== v[c.id] || had.version !== c.version) m = await api.consent(c.id, c.version, v[c.id]);
      }
      setMe(m);
      navigate(m.tutorial_seen ? '/' : '/tutorial', { replace: true });
    } catch (x) {
      setErr(errorText(x));
      setBusy(false);
    }
  };
  return (
    <>
      <Header title={t('consents.title')} langSwitch />
      <main class="page narrow">
        <p>{t('consents.intro')}</p>
        <form onSubmit={submit} noValidate>
          <ul class="consents">
            {CONSENTS.map((c) => (
              <li key={c.id} class="card">
                <label class="switch-row">
                  <input type="checkbox" name={c.id} checked={v[c.id]} onChange={(e) => setV({ ...v, [c.id]: e.target.checked })} aria-describedby={`${c.id}-text`} />
                  <span>
                    <strong>{t('consent.' + c.id)}</strong> <span class={'tag' + (c.required ? ' req' : '')}>{t(c.required ? 'consents.required' : 'consents.optional')}</span>
                  </span>
                </label>
                <p id={`${c.id}-text`} class="muted small">
                  {t('consent.' + c.id + '.text')}
                </p>
              </li>
            ))}
          </ul>
          <Alert>{err}</Alert>
          <button class="btn primary block" type="submit" disabled={busy}>
            {t('consents.continue')}
          </button>
        </form>
      </main>
    </>
  );
}
