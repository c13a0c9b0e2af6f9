// "Prova la configurazione" (admin): a caller's number, a day and a
// time (now by default) → what the router would do with that call on
// the applied configuration and the live registrations (POST
// /v1/simulate), in words, and who would not ring and why.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t, getLang } from '../i18n.js';
import { Header, Field, Alert, errorText } from '../ui.jsx';

const pad = (n) => String(n).padStart(2, '0');
function nowParts() {
  const d = new Date();
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}
const REASONS = { 'do-not-disturb': 'sim.reason.dnd', 'not registered': 'sim.reason.unreg', unknown: 'sim.reason.unknown' };

export function Simulate() {
  const [v, setV] = useState(() => ({ from: '', ...nowParts() }));
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      // simulate takes digits only; people type numbers with spaces,
      // dots, dashes (as the contacts and forwarding accept them).
      setRes(await api.simulate({ from: v.from.replace(/[\s./()-]/g, ''), at: `${v.date}T${v.time}` }));
    } catch (x) {
      setRes(null);
      setErr(x);
    }
    setBusy(false);
  };
  const en = getLang() === 'en';
  const words = (s) => (en ? s.text_en : s.text_it || s.text_en);
  const f = (err && err.field) || '';
  const fromErr = f === 'from' ? errorText(err) : '';
  const atErr = f === 'at' ? errorText(err) : '';
  let formErr = '';
  if (err && !fromErr && !atErr) formErr = err.status === 409 ? t('sim.notapplied') : errorText(err);
  // The lines after the steps: if all are busy, if nobody answers.
  const rest = res ? (en ? res.text : res.text_it).slice(res.steps.length) : [];
  return (
    <>
      <Header title={t('sim.title')} back="/servizi" />
      <main class="page narrow">
        <p class="muted">{t('sim.intro')}</p>
        <form class="card" onSubmit={submit} noValidate>
          <Field id="sim-from" label={t('sim.from')} type="tel" inputMode="tel" autoComplete="off" value={v.from} onInput={set('from')} error={fromErr} required />
          <div class="row two">
            <Field id="sim-date" label={t('sim.date')} type="date" value={v.date} onInput={set('date')} aria-invalid={atErr ? 'true' : undefined} required />
            <Field id="sim-time" label={t('sim.time')} type="time" value={v.time} onInput={set('time')} error={atErr} required />
          </div>
          <Alert>{formErr}</Alert>
          <div class="row end">
            <button type="button" class="btn" onClick={() => setV({ ...v, ...nowParts() })}>
              {t('sim.now')}
            </button>
            <button type="submit" class="btn primary" disabled={busy}>
              {t('sim.go')}
            </button>
          </div>
        </form>
        {res && (
          <section class="card" aria-labelledby="plan-h" aria-live="polite">
            <h2 id="plan-h">{t('sim.plan')}</h2>
            <p class="small muted">{t('sim.meta', { from: res.from, at: res.at.replace('T', ' '), tz: res.timezone, v: res.version })}</p>
            <ol class="plan">
              {res.steps.map((s, i) => (
                <li key={i} class={'step step-' + s.kind}>
                  {words(s)}
                </li>
              ))}
            </ol>
            {rest.length > 0 && (
              <ul class="plan-rest">
                {rest.map((l, i) => (
                  <li key={i}>{l}</li>
                ))}
              </ul>
            )}
            {res.skipped.length > 0 && (
              <>
                <h3>{t('sim.skipped')}</h3>
                <ul class="skipped">
                  {res.skipped.map((s, i) => (
                    <li key={i}>
                      {s.member}: {REASONS[s.reason] ? t(REASONS[s.reason]) : s.reason}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
        )}
      </main>
    </>
  );
}
