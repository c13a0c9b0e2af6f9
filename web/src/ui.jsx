// Pieces every screen uses: the header, labelled fields with their
// error, alerts, the dialog, API errors in words.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t, getLang, setLang } from './i18n.js';
import { navigate } from './router.js';

// The service's details are English; in Italian a lead-in by code says
// what kind of problem it is, the detail (naming the rule) follows.
export function errorText(err) {
  if (!err) return '';
  if (typeof err === 'string') return err;
  if (err.status === 0) return t('err.network');
  if (err.status === 429) return t('err.retry', { s: err.retryAfter || 1 });
  if (err.status === 503) return t('err.unavailable');
  const detail = err.message || String(err.status);
  const lead = err.code ? t('err.code.' + err.code) : '';
  if (getLang() === 'it' && lead && lead !== 'err.code.' + err.code) return `${lead} (${detail})`;
  return detail;
}

// A problem naming a field goes next to that field; the rest to the form.
export function splitError(err, fields) {
  if (!err) return { form: '', fields: {} };
  const f = err.field || '';
  const key = fields.find((k) => f === k || f.startsWith(k + '.') || f.startsWith(k + '['));
  if (key) return { form: '', fields: { [key]: errorText(err) } };
  return { form: errorText(err), fields: {} };
}

export function Header({ title, back, onMenu, langSwitch }) {
  return (
    <header class="top">
      {back ? (
        <button type="button" class="icon-btn" aria-label={t('back')} onClick={() => (history.length > 1 ? history.back() : navigate(back))}>
          <span aria-hidden="true">←</span>
        </button>
      ) : onMenu ? (
        <button type="button" class="icon-btn" aria-label={t('menu.open')} aria-haspopup="true" onClick={onMenu}>
          <span aria-hidden="true" class="burger"><i /><i /><i /></span>
        </button>
      ) : (
        <span class="icon-spacer" />
      )}
      <div class="titles">
        <div class="app-name">{t('app')}</div>
        {title && <h1>{title}</h1>}
      </div>
      {langSwitch ? (
        <button type="button" class="lang-btn" lang={getLang() === 'it' ? 'en' : 'it'} aria-label={t('lang.switch.label')} onClick={() => setLang(getLang() === 'it' ? 'en' : 'it')}>
          {t('lang.switch')}
        </button>
      ) : (
        <span class="icon-spacer" />
      )}
    </header>
  );
}

export function Field({ id, label, error, hint, required, as, children, ...rest }) {
  const desc = [error ? `${id}-err` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  const Tag = as || 'input';
  return (
    <div class={'field' + (error ? ' has-error' : '')}>
      <label for={id}>
        {label}
        {required && <span aria-hidden="true">*</span>}
      </label>
      <Tag id={id} name={id} aria-invalid={error ? 'true' : undefined} aria-describedby={desc} required={required} {...rest}>
        {children}
      </Tag>
      {hint && (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && (
        <div class="field-error" id={`${id}-err`} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

export function Alert({ children, kind = 'error' }) {
  if (!children) return null;
  return (
    <div class={'alert ' + kind} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function Modal({ title, onClose, children, id = 'dialog' }) {
  const ref = useRef(null);
  useEffect(() => {
    const prev = document.activeElement;
    const el = ref.current;
    const first = el && el.querySelector('button, input, select, textarea, [href]');
    if (first) first.focus();
    const onKey = (e) => {
      if (e.key === 'Escape' && onClose) onClose();
    };
    addEventListener('keydown', onKey);
    return () => {
      removeEventListener('keydown', onKey);
      if (prev && prev.focus) prev.focus();
    };
  }, []);
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && onClose && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} ref={ref}>
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function Loading() {
  return (
    <p class="muted" role="status">
      {t('loading')}
    </p>
  );
}

// A form's call to the API: busy while it runs, the error it failed
// with (kept, with everything typed, for the fields to show). run(fn)
// resolves true when fn succeeded.
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const run = async (fn) => {
    setBusy(true);
    setErr(null);
    try {
      await fn();
      return true;
    } catch (x) {
      setErr(x);
      setBusy(false);
      return false;
    }
  };
  return { busy, err, run };
}
