// "Oggi" (admin): the company's calls today (GET /v1/calls/today),
// asked every 5 s while open: calls in progress now, today's answered
// and missed calls to the fixed number as big numbers, the day's list.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';
import { clock, duration } from './calls-format.js';

const REFRESH_MS = 5000;

const party = (num, name) => (name ? `${name} (${num})` : num);

export function Today() {
  const [day, setDay] = useState(null);
  const [err, setErr] = useState('');

  useEffect(() => {
    const load = () =>
      api.callsToday().then(
        (r) => {
          setDay(r);
          setErr('');
        },
        (x) => setErr(errorText(x))
      );
    load();
    const id = setInterval(load, REFRESH_MS);
    return () => clearInterval(id);
  }, []);
  return (
    <>
      <Header title={t('today.title')} back="/" />
      <main class="page">
        <Alert>{err}</Alert>
        {!day && !err && <Loading />}
        {day && (
          <>
            <div class="stats">
              <div class="stat">
                <span class="big">{day.in_progress.length}</span>
                <span>{t('today.now')}</span>
              </div>
              <div class="stat ok">
                <span class="big">{day.answered}</span>
                <span>{t('today.answered')}</span>
              </div>
              <div class="stat bad">
                <span class="big">{day.missed}</span>
                <span>{t('today.missed')}</span>
              </div>
            </div>
            <section aria-labelledby="now-h">
              <h2 id="now-h">{t('today.inprogress')}</h2>
              {day.in_progress.length === 0 ? (
                <p class="muted">{t('today.nocalls_now')}</p>
              ) : (
                <ul class="list calls" aria-labelledby="now-h">
                  {day.in_progress.map((c) => (
                    <li key={c.id} class="call">
                      <span class="grow">
                        <span class="name">
                          {party(c.from, c.from_name)} → {party(c.to, c.to_name)}
                        </span>
                        <span class="small block sub">{c.answered_by ? t('today.answered_by', { who: c.answered_by }) : t('outcome.ringing')}</span>
                      </span>
                      <span class="when small">{t('today.since', { time: clock(c.answered_at || c.started_at) })}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="day-h">
              <h2 id="day-h">{t('today.calls')}</h2>
              {day.calls.length === 0 ? (
                <p class="muted">{t('today.nocalls')}</p>
              ) : (
                <ul class="list calls" aria-labelledby="day-h">
                  {day.calls.map((c) => (
                    <li key={c.id} class={'call' + (c.outcome === 'missed' ? ' missed' : '')}>
                      <span class="grow">
                        <span class="name">
                          {party(c.from, c.from_name)} → {party(c.to, c.to_name)}
                        </span>
                        <span class="small block sub">
                          {t('today.dir.' + c.direction)} · {c.answered_by ? t('today.answered_by', { who: c.answered_by }) : t('outcome.' + c.outcome)}
                        </span>
                      </span>
                      <span class="when small">
                        <time dateTime={c.started_at}>{clock(c.started_at)}</time>
                        {c.duration_s != null && <span class="block muted">{duration(c.duration_s)}</span>}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </>
        )}
      </main>
    </>
  );
}
