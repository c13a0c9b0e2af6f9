// "Devia la chiamata": the four rules, each with its number.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';
import { ApplyBar } from './apply.jsx';

const RULES = ['unconditional', 'no_answer', 'unreachable', 'busy'];

function fromDraft(d) {
  const f = (d && d.forwarding) || {};
  return Object.fromEntries(RULES.map((r) => [r, { enabled: !!(f[r] && f[r].enabled), number: (f[r] && f[r].number) || '' }]));
}

export function Forwarding() {
  const [draft, setDraft] = useState(null);
  const [v, setV] = useState(null);
  const [err, setErr] = useState(null);
  const [ok, setOk] = useState('');
  const [stamp, setStamp] = useState(0);

  useEffect(() => {
    api.draft().then(
      (d) => {
        setDraft(d);
        setV(fromDraft(d));
      },
      (x) => setErr(x)
    );
  }, []);
  const set = (r, k, val) => {
    setOk('');
    setV({ ...v, [r]: { ...v[r], [k]: val } });
  };
  const save = async () => {
    setErr(null);
    setOk('');
    const body = Object.fromEntries(RULES.map((r) => [r, v[r].enabled ? { enabled: true, number: v[r].number.trim() } : { enabled: false, number: v[r].number.trim() || null }]));
    try {
      const d = await api.putForwarding(body);
      setDraft(d);
      setV(fromDraft(d));
      setOk(t('saved'));
      setStamp(stamp + 1);
    } catch (x) {
      setErr(x);
    }
  };
  const errRule = err && RULES.find((r) => (err.field || '').startsWith(r));
  return (
    <>
      <Header title={t('fwd.title')} back="/servizi" />
      <main class="page narrow">
        {!v && !err && <Loading />}
        {v && (
          <>
            <p class="muted">{t('fwd.intro')}</p>
            {RULES.map((r) => (
              <fieldset key={r} class="card fwd">
                <legend>{t('fwd.' + r)}</legend>
                <label class="switch-row">
                  <input type="checkbox" checked={v[r].enabled} onChange={(e) => set(r, 'enabled', e.target.checked)} />
                  <span>{t('fwd.active', { rule: t('fwd.' + r) })}</span>
                </label>
                <label class="sr-only" for={'fwd-' + r}>
                  {t('fwd.number', { rule: t('fwd.' + r) })}
                </label>
                <input id={'fwd-' + r} type="tel" inputMode="tel" placeholder={t('fwd.placeholder')} value={v[r].number} onInput={(e) => set(r, 'number', e.target.value)} aria-invalid={errRule === r ? 'true' : undefined} aria-describedby={errRule === r ? 'fwd-err' : undefined} />
                {errRule === r && (
                  <div class="field-error" id="fwd-err" role="alert">
                    {errorText(err)}
                  </div>
                )}
              </fieldset>
            ))}
            <Alert>{err && !errRule ? errorText(err) : ''}</Alert>
            <Alert kind="ok">{ok}</Alert>
            <div class="row end">
              <button type="button" class="btn" onClick={() => setV(fromDraft(draft))}>
                {t('reset')}
              </button>
              <button type="button" class="btn primary" onClick={save}>
                {t('confirm')}
              </button>
            </div>
            <ApplyBar stamp={stamp} />
          </>
        )}
        {!v && err && <Alert>{errorText(err)}</Alert>}
      </main>
    </>
  );
}
