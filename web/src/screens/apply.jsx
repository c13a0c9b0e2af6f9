// "Aggiorna Configurazione": the green button, its confirm popup and
// POST /v1/apply. The pending changes come from GET /v1/config/diff
// when the service has it (200); otherwise no count and a plain confirm.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Modal, Alert, errorText } from '../ui.jsx';

function changesOf(r) {
  const list = Array.isArray(r) ? r : (r && (r.changes || r.diff || r.items)) || null;
  if (!Array.isArray(list)) return null;
  return list.map((x) => (typeof x === 'string' ? x : x.text || x.description || x.summary || x.change || JSON.stringify(x)));
}

export function ApplyBar({ stamp }) {
  const [changes, setChanges] = useState(null); // null: not known
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');
  const [result, setResult] = useState(null);

  const load = () =>
    api.diff().then(
      (r) => setChanges(changesOf(r)),
      () => setChanges(null)
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
  const n = changes ? changes.length : null;
  return (
    <div class="apply-bar">
      <button type="button" class="btn primary block apply" onClick={openPopup} aria-describedby={n ? 'apply-count' : undefined}>
        {t('apply.button')}
        {n > 0 && (
          <span class="badge" id="apply-count" aria-label={t('apply.pending', { n })}>
            {n}
          </span>
        )}
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
