// "Chiamate recenti": the person's calls, newest first (GET
// /v1/me/calls): in or out, missed in red, the other party by name (a
// colleague's, or a personal contact's whose number matches by its
// digits), when, how long. Tabs: all, missed.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';
import { when, duration, contactName } from './calls-format.js';
import { CallButton } from './call.jsx';

export function Recents({ onMenu }) {
  const [calls, setCalls] = useState(null);
  const [contacts, setContacts] = useState([]);
  const [err, setErr] = useState('');
  const [tab, setTab] = useState('all');

  useEffect(() => {
    api.myCalls().then((r) => setCalls(r.calls), (x) => setErr(errorText(x)));
    // Names for outside numbers; without them the numbers still show.
    api.contacts().then((r) => setContacts(r.contacts), () => {});
  }, []);
  const shown = calls && (tab === 'missed' ? calls.filter((c) => c.outcome === 'missed') : calls);
  const tabBtn = (id) => (
    <button type="button" role="tab" id={'tab-' + id} aria-selected={tab === id ? 'true' : 'false'} aria-controls="recents-list" class={'tab' + (tab === id ? ' on' : '')} onClick={() => setTab(id)}>
      {t('recents.tab.' + id)}
    </button>
  );
  return (
    <>
      <Header title={t('recents.title')} onMenu={onMenu} />
      <main class="page narrow">
        <div class="tabs" role="tablist" aria-label={t('recents.filter')}>
          {tabBtn('all')}
          {tabBtn('missed')}
        </div>
        <div id="recents-list" role="tabpanel" aria-labelledby={'tab-' + tab}>
          <Alert>{err}</Alert>
          {!calls && !err && <Loading />}
          {shown && shown.length === 0 && <p class="muted">{t(tab === 'missed' ? 'recents.nomissed' : 'recents.none')}</p>}
          {shown && shown.length > 0 && (
            <ul class="list calls">
              {shown.map((c) => {
                const name = c.name || contactName(contacts, c.number);
                const missed = c.outcome === 'missed';
                const what = t('recents.' + c.direction) + ', ' + t('outcome.' + c.outcome);
                return (
                  <li key={c.id} class={'call' + (missed ? ' missed' : '')}>
                    <span class={'dir dir-' + c.direction} role="img" aria-label={what} title={what}>
                      {c.direction === 'in' ? '↙' : '↗'}
                    </span>
                    <span class="grow">
                      <span class="name">{name || c.number}</span>
                      <span class="small block sub">
                        {name ? c.number + ' · ' : ''}
                        {t('outcome.' + c.outcome)}
                      </span>
                    </span>
                    <span class="when small">
                      <time dateTime={c.started_at}>{when(c.started_at)}</time>
                      {c.duration_s != null && <span class="block muted">{duration(c.duration_s)}</span>}
                    </span>
                    <CallButton number={c.number} name={name || c.number} />
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </main>
    </>
  );
}
