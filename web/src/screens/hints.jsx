// The password policy as live hints that tick as the person types.
import { check } from '../password-policy.js';
import { t } from '../i18n.js';

export function PolicyHints({ password, confirm, id = 'pw-rules' }) {
  const rows = check(password);
  if (confirm !== undefined) rows.push({ id: 'match', ok: password !== '' && password === confirm });
  return (
    <div class="rules" id={id}>
      <p>{t('pw.rules')}</p>
      <ul>
        {rows.map((r) => (
          <li key={r.id} class={r.ok ? 'ok' : 'todo'} data-rule={r.id} data-ok={r.ok ? 'true' : 'false'}>
            <span class="tick" aria-hidden="true">
              {r.ok ? '✓' : '○'}
            </span>
            {t('pw.rule.' + r.id)}
            <span class="sr-only"> ({r.ok ? t('pw.ok') : t('pw.notyet')})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
