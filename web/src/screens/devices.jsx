// My devices (GET /v1/me/devices) and their live registrations.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t, getLang } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';

export function Devices() {
  const [list, setList] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api.devices().then((r) => setList(r.devices), (x) => setErr(errorText(x)));
  }, []);
  return (
    <>
      <Header title={t('devices.title')} back="/" />
      <main class="page narrow">
        <Alert>{err}</Alert>
        {!list && !err && <Loading />}
        {list && list.length === 0 && <p class="muted">{t('devices.none')}</p>}
        {list && list.length > 0 && (
          <ul class="list cards">
            {list.map((d) => (
              <li key={d.device} class="card">
                <strong>{d.device}</strong> <span class="muted small">{d.auth_username}</span>
                <div class="small muted">{t('devices.created', { date: new Date(d.created_at.replace(' ', 'T')).toLocaleDateString(getLang()) })}</div>
                {d.bindings.length === 0 ? (
                  <div class="small">{t('devices.offline')}</div>
                ) : (
                  d.bindings.map((b, i) => (
                    <div key={i} class="small">
                      {t('devices.registered', { ua: b.user_agent || b.received || b.contact, s: b.expires })}
                    </div>
                  ))
                )}
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
