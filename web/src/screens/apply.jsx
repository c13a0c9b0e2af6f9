// "Aggiorna Configurazione": the green button with the number of
// pending changes, its confirm popup listing them in words, and
// POST /v1/apply. GET /v1/config/diff ({pending, live_version, changes:
// [{kind, subject, before, after, text_it, text_en}]}) is asked when the
// button appears and after every change the screen saved (`stamp`);
// unanswered (an error), the button has no count and the popup is a
// plain confirm.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t, getLang } from '../i18n.js';
import { Modal, Alert, errorText } from '../ui.jsx';

export function ApplyBar({ stamp }) {
  const [diff, setDiff] = useState(null); // null: not known
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [result, setResult] = useState(null);

  const load = () =>
    api.diff().then(
      (r) => setDiff(r),
      () => setDiff(null)
    );
  useEffect(() => {
    load();
  }, [stamp]);

  const openPopup = () => {
    setErr('');
    setResult(null);
    setOpen(true);
    load();
  };
  const apply = async () => {
    setBusy(true);
    setErr('');
    try {
      const r = await api.apply();
      setResult(r);
      load();
    } catch (x) {
      setErr(errorText(x));
    }
    setBusy(false);
  };
  const n = diff ? diff.pending : null;
  const en = getLang() === 'en';
  const changes = diff ? diff.changes.map((c) => (en ? c.text_en : c.text_it) || c.text_en) : null;
  return (
    <div class="apply-bar">
      <button type="button" class="btn primary block apply" onClick={openPopup} title={n > 0 ? t('apply.pending', { n }) : undefined}>
        {t('apply.button')}
        {n > 0 && <span class="count"> ({n})</span>}
      </button>
      {open && (
        <Modal title={t('apply.title')} id="apply" onClose={() => setOpen(false)}>
          {result ? (
            <>
              <Alert kind="ok">{result.changed ? t('apply.done', { v: result.version }) : t('apply.same')}</Alert>
              {result.changed && result.diff && result.diff.length > 0 && (
                <ul class="diff">
                  {result.diff.map((d, i) => (
                    <li key={i}>{d}</li>
                  ))}
                </ul>
              )}
              {result.activated && result.activated.length > 0 && <p>{t('apply.activated', { n: result.activated.length })}</p>}
              <div class="row end">
                <button type="button" class="btn primary" onClick={() => setOpen(false)}>
                  {t('close')}
                </button>
              </div>
            </>
          ) : (
            <>
              {changes === null ? (
                <p>{t('apply.confirm_plain')}</p>
              ) : changes.length === 0 ? (
                <p>{t('apply.nochanges')}</p>
              ) : (
                <>
                  <p>{t('apply.changes')}</p>
                  <ul class="diff">
                    {changes.map((d, i) => (
                      <li key={i}>{d}</li>
                    ))}
                  </ul>
                </>
              )}
              <Alert>{err}</Alert>
              <div class="row end">
                <button type="button" class="btn" onClick={() => setOpen(false)}>
                  {t('cancel')}
                </button>
                <button type="button" class="btn primary" onClick={apply} disabled={busy}>
                  {t('apply.go')}
                </button>
              </div>
            </>
          )}
        </Modal>
      )}
    </div>
  );
}
