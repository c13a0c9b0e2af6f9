// "Configura risposta interattiva": the closed, welcome and no-answer
// messages. A template from GET /v1/message-templates, its placeholders
// filled ("Completa con le scelte"), validity and time ranges (closed,
// welcome), rings (no answer), voice, languages in order, and the
// preview heard in the page (GET /v1/messages/{kind}/preview, audio/wav).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t, getLang } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';
import { ApplyBar } from './apply.jsx';

const KINDS = ['closed', 'welcome', 'no_answer'];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

export function Messages() {
  const [draft, setDraft] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    api.draft().then(setDraft, (x) => setErr(errorText(x)));
  }, []);
  return (
    <>
      <Header title={t('msg.title')} back="/servizi" />
      <main class="page narrow">
        <Alert>{err}</Alert>
        {!draft && !err && <Loading />}
        {draft && (
          <ul class="list">
            {KINDS.map((k) => {
              const m = draft.messages && draft.messages[k];
              return (
                <li key={k}>
                  <a class="list-link" href={'/servizi/risposte/' + k}>
                    <span class="grow">{t('msg.' + k)}</span>
                    <span class={'tag' + (m && m.enabled ? ' on' : '')}>{m ? t(m.enabled ? 'msg.on' : 'msg.inactive') : t('msg.unset')}</span>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
        <ApplyBar />
      </main>
    </>
  );
}

function fmtDate(d) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : d;
}

function valueText(ph, v) {
  if (!v) return t('ph.' + ph.type);
  if (ph.type === 'weekday') return t('day.' + v);
  if (ph.type === 'date') return fmtDate(v);
  return v;
}

// The template's text with each {name} shown as its value or as
// "(ora)", "(giorno settimana)", "(data)".
function TemplateText({ tpl, values, lang, strong }) {
  const text = tpl.text[lang] || tpl.text.it;
  const parts = text.split(/(\{\w+\})/);
  return (
    <>
      {parts.map((p, i) => {
        const m = /^\{(\w+)\}$/.exec(p);
        if (!m) return p;
        const ph = tpl.placeholders.find((x) => x.name === m[1]) || { name: m[1], type: 'time' };
        const s = valueText(ph, values[m[1]]);
        return strong ? <strong key={i}>{s}</strong> : s;
      })}
    </>
  );
}

function split(dt) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(dt || '');
  return m ? [m[1], m[2]] : ['', ''];
}

function fromDraft(kind, m, tpls) {
  const mine = tpls.filter((x) => x.kind === kind);
  const base = m || { enabled: true, template_id: mine[0] && mine[0].id, values: {}, voice: 'female', languages: ['it'] };
  const langs = base.languages && base.languages.length ? base.languages : ['it'];
  const [fd, ft] = split(base.valid_from);
  const [td, tt] = split(base.valid_to);
  return {
    enabled: base.enabled,
    template_id: base.template_id,
    values: { ...(base.values || {}) },
    voice: base.voice || 'female',
    order: langs.concat(['it', 'en'].filter((l) => !langs.includes(l))),
    on: { it: langs.includes('it'), en: langs.includes('en') },
    fd,
    ft,
    td,
    tt,
    ranges: (base.ranges || []).map((r) => ({ ...r })),
    rings: base.rings || 4,
  };
}

function toBody(kind, s) {
  const b = {
    enabled: s.enabled,
    template_id: s.template_id,
    values: Object.fromEntries(Object.entries(s.values).filter(([, v]) => v)),
    voice: s.voice,
    languages: s.order.filter((l) => s.on[l]),
  };
  if (kind === 'no_answer') b.rings = Number(s.rings);
  else {
    b.valid_from = s.fd ? `${s.fd}T${s.ft || '00:00'}` : null;
    b.valid_to = s.td ? `${s.td}T${s.tt || '23:59'}` : null;
    b.ranges = s.ranges;
  }
  return b;
}

export function MessageEdit({ kind }) {
  const [tpls, setTpls] = useState(null);
  const [loaded, setLoaded] = useState(null);
  const [s, setS] = useState(null);
  const [err, setErr] = useState(null);
  const [ok, setOk] = useState('');
  const [stamp, setStamp] = useState(0);
  const [preview, setPreview] = useState(null); // {text, url}
  const [busy, setBusy] = useState(false);
  const audio = useRef(null);

  useEffect(() => {
    Promise.all([api.templates(), api.draft()]).then(
      ([tl, d]) => {
        const m = d.messages && d.messages[kind];
        setTpls(tl.templates);
        setLoaded(m || null);
        setS(fromDraft(kind, m, tl.templates));
      },
      (x) => setErr(x)
    );
  }, [kind]);
  useEffect(() => () => preview && URL.revokeObjectURL(preview.url), [preview]);

  const up = (patch) => {
    setOk('');
    setS({ ...s, ...patch });
  };
  const lang = getLang();
  const fieldErr = (name) => err && err.field && (err.field === name || err.field.endsWith('.' + name) || err.field.startsWith(name + '[')) ? errorText(err) : '';
  const matched = err && ['template_id', 'voice', 'languages', 'valid_from', 'valid_to', 'ranges', 'rings'].concat(Object.keys((s && s.values) || {})).some((n) => fieldErr(n));
  const tpl = tpls && s && tpls.find((x) => x.id === s.template_id);

  const save = async () => {
    setErr(null);
    setOk('');
    if (!s.order.some((l) => s.on[l])) {
      setErr({ message: t('msg.need_lang'), field: 'languages', status: 400 });
      return false;
    }
    try {
      const d = await api.putMessage(kind, toBody(kind, s));
      setLoaded(d.messages[kind]);
      setOk(t('saved'));
      setStamp(stamp + 1);
      return true;
    } catch (x) {
      setErr(x);
      return false;
    }
  };
  const listen = async () => {
    setBusy(true);
    setPreview(null);
    if (await save()) {
      try {
        const [j, wav] = await Promise.all([api.previewText(kind), api.previewAudio(kind)]);
        const url = URL.createObjectURL(wav);
        setPreview({ text: j.text, url });
        setTimeout(() => audio.current && audio.current.play().catch(() => {}), 0);
      } catch (x) {
        setErr(x);
      }
    }
    setBusy(false);
  };

  const setVal = (name, v) => up({ values: { ...s.values, [name]: v } });
  const setRange = (i, patch) => up({ ranges: s.ranges.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const first = (l) => up({ order: [l].concat(s.order.filter((x) => x !== l)) });

  return (
    <>
      <Header title={t('msg.' + kind)} back="/servizi/risposte" />
      <main class="page narrow">
        {!s && !err && <Loading />}
        {!s && err && <Alert>{errorText(err)}</Alert>}
        {s && (
          <>
            <label class="switch-row card">
              <input type="checkbox" checked={s.enabled} onChange={(e) => up({ enabled: e.target.checked })} />
              <span>{t('msg.active')}</span>
            </label>

            <fieldset class="card">
              <legend>{t('msg.select')}</legend>
              {tpls
                .filter((x) => x.kind === kind)
                .map((x) => (
                  <label key={x.id} class={'tpl' + (x.id === s.template_id ? ' on' : '')}>
                    <input type="radio" name="template" value={x.id} checked={x.id === s.template_id} onChange={() => up({ template_id: x.id, values: {} })} />
                    <span>
                      <TemplateText tpl={x} values={x.id === s.template_id ? s.values : {}} lang={lang} />
                    </span>
                  </label>
                ))}
              {fieldErr('template_id') && <div class="field-error" role="alert">{fieldErr('template_id')}</div>}
            </fieldset>

            {tpl && tpl.placeholders.length > 0 && (
              <fieldset class="card">
                <legend>{t('msg.complete')}</legend>
                <p class="filled" aria-live="polite">
                  <TemplateText tpl={tpl} values={s.values} lang={lang} strong />
                </p>
                <div class="grid2">
                  {tpl.placeholders.map((ph) => {
                    const id = 'ph-' + ph.name;
                    const e = fieldErr(ph.name);
                    return (
                      <div class={'field' + (e ? ' has-error' : '')} key={ph.name}>
                        <label for={id}>{t('ph.' + ph.name)}</label>
                        {ph.type === 'weekday' ? (
                          <select id={id} value={s.values[ph.name] || ''} onChange={(ev) => setVal(ph.name, ev.target.value)} aria-invalid={e ? 'true' : undefined}>
                            <option value="">{t('day.choose')}</option>
                            {DAYS.map((d) => (
                              <option key={d} value={d}>
                                {t('day.' + d)}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <input id={id} type={ph.type === 'date' ? 'date' : 'time'} value={s.values[ph.name] || ''} onInput={(ev) => setVal(ph.name, ev.target.value)} aria-invalid={e ? 'true' : undefined} />
                        )}
                        {e && (
                          <div class="field-error" role="alert">
                            {e}
                          </div>
                        )}
                      </div>
                    );
                  })}
                </div>
              </fieldset>
            )}

            {kind !== 'no_answer' && (
              <fieldset class="card">
                <legend>{t('msg.validity')}</legend>
                {[
                  ['f', 'msg.from', 'valid_from'],
                  ['t', 'msg.to', 'valid_to'],
                ].map(([p, label, field]) => (
                  <div class="validity" key={p}>
                    <span class="vlabel">{t(label)}:</span>
                    <label class="sr-only" for={'v' + p + 'd'}>
                      {t(label)} – {t('msg.date')}
                    </label>
                    <input id={'v' + p + 'd'} type="date" value={s[p + 'd']} onInput={(e) => up({ [p + 'd']: e.target.value })} aria-invalid={fieldErr(field) ? 'true' : undefined} />
                    <label class="sr-only" for={'v' + p + 't'}>
                      {t(label)} – {t('msg.time')}
                    </label>
                    <input id={'v' + p + 't'} type="time" value={s[p + 't']} onInput={(e) => up({ [p + 't']: e.target.value })} />
                    {fieldErr(field) && (
                      <div class="field-error" role="alert">
                        {fieldErr(field)}
                      </div>
                    )}
                  </div>
                ))}
                <button type="button" class="btn small" onClick={() => up({ fd: '', ft: '', td: '', tt: '' })}>
                  <span aria-hidden="true">✖ </span>
                  {t('msg.clear_validity')}
                </button>
              </fieldset>
            )}

            {kind !== 'no_answer' && (
              <fieldset class="card">
                <legend>{t('msg.ranges')}</legend>
                {s.ranges.map((r, i) => (
                  <div class="range" key={i} role="group" aria-label={t('msg.range', { n: i + 1 })}>
                    <div class="days">
                      {DAYS.map((d) => (
                        <label key={d} class="day" title={t('day.' + d)}>
                          <input type="checkbox" checked={r.days.includes(d)} aria-label={t('msg.range', { n: i + 1 }) + ': ' + t('day.' + d)} onChange={(e) => setRange(i, { days: e.target.checked ? DAYS.filter((x) => x === d || r.days.includes(x)) : r.days.filter((x) => x !== d) })} />
                          <span aria-hidden="true">{t('day.' + d).slice(0, 2)}</span>
                        </label>
                      ))}
                    </div>
                    <div class="row">
                      <label>
                        {t('msg.range_from')} <input type="time" value={r.from} onInput={(e) => setRange(i, { from: e.target.value })} />
                      </label>
                      <label>
                        {t('msg.range_to')} <input type="time" value={r.to} onInput={(e) => setRange(i, { to: e.target.value })} />
                      </label>
                      <button type="button" class="icon-btn small" aria-label={t('msg.remove_range', { n: i + 1 })} onClick={() => up({ ranges: s.ranges.filter((_, j) => j !== i) })}>
                        <span aria-hidden="true">✖</span>
                      </button>
                    </div>
                  </div>
                ))}
                {fieldErr('ranges') && (
                  <div class="field-error" role="alert">
                    {fieldErr('ranges')}
                  </div>
                )}
                <button type="button" class="btn small" onClick={() => up({ ranges: s.ranges.concat([{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], from: '09:00', to: '18:00' }]) })}>
                  <span aria-hidden="true">+ </span>
                  {t('msg.add_range')}
                </button>
              </fieldset>
            )}

            {kind === 'no_answer' && (
              <div class="field inline card">
                <label for="msg-rings">{t('msg.rings')}</label>
                <select id="msg-rings" value={s.rings} onChange={(e) => up({ rings: Number(e.target.value) })}>
                  {[3, 4, 5, 6, 7, 8].map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </div>
            )}

            <fieldset class="seg card">
              <legend>{t('msg.voice')}</legend>
              {['male', 'female'].map((v) => (
                <label key={v}>
                  <input type="radio" name="voice" value={v} checked={s.voice === v} onChange={() => up({ voice: v })} />
                  <span>{t('msg.' + v)}</span>
                </label>
              ))}
            </fieldset>

            <fieldset class="card">
              <legend>{t('msg.languages')}</legend>
              <ol class="langs">
                {s.order.map((l, i) => {
                  const pos = s.order.filter((x) => s.on[x]).indexOf(l);
                  return (
                    <li key={l}>
                      <span class="pos" aria-hidden="true">
                        {s.on[l] ? pos + 1 : ''}
                      </span>
                      <label class="grow">
                        <input type="checkbox" checked={s.on[l]} onChange={(e) => up({ on: { ...s.on, [l]: e.target.checked } })} /> {t('msg.lang.' + l)}
                      </label>
                      {i > 0 && (
                        <button type="button" class="btn small" onClick={() => first(l)} aria-label={t('msg.lang_up', { lang: t('msg.lang.' + l) })}>
                          <span aria-hidden="true">▲</span>
                        </button>
                      )}
                    </li>
                  );
                })}
              </ol>
              {fieldErr('languages') && (
                <div class="field-error" role="alert">
                  {fieldErr('languages')}
                </div>
              )}
            </fieldset>

            <Alert>{err && !matched ? errorText(err) : ''}</Alert>
            <Alert kind="ok">{ok}</Alert>
            <div class="row end wrap">
              <button type="button" class="btn" onClick={listen} disabled={busy}>
                <span aria-hidden="true">▶ </span>
                {t('msg.listen')}
              </button>
              <span class="grow" />
              <button type="button" class="btn" onClick={() => setS(fromDraft(kind, loaded, tpls))}>
                {t('reset')}
              </button>
              <button type="button" class="btn primary" onClick={save}>
                {t('confirm')}
              </button>
            </div>
            {busy && (
              <p class="muted" role="status">
                {t('msg.preview_wait')}
              </p>
            )}
            {preview && (
              <section class="card preview" aria-label={t('msg.preview')}>
                <h2>{t('msg.preview')}</h2>
                <audio ref={audio} controls src={preview.url} aria-label={t('msg.preview')} />
                {preview.text.split('\n').map((line, i) => (
                  <p key={i}>{line}</p>
                ))}
              </section>
            )}
            <ApplyBar stamp={stamp} />
          </>
        )}
      </main>
    </>
  );
}
