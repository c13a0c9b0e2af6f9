// Presence for calls: available, do-not-disturb, away (PATCH /v1/me).
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Alert, errorText } from '../ui.jsx';

export function Presence({ me, setMe, id = 'presence' }) {
  const [err, setErr] = useState('');
  const change = async (p) => {
    setErr('');
    try {
      setMe(await api.patchMe({ presence: p }));
    } catch (x) {
      setErr(errorText(x));
    }
  };
  return (
    <fieldset class="presence">
      <legend>{t('nav.presence')}</legend>
      {['available', 'dnd', 'away'].map((p) => (
        <label key={p} class={'pill p-' + p}>
          <input type="radio" name={id} value={p} checked={me.presence === p} onChange={() => change(p)} />
          <span>{t('presence.' + p)}</span>
        </label>
      ))}
      <Alert>{err}</Alert>
    </fieldset>
  );
}
