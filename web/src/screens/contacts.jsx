// "Contatti personali": the person's own address book. A search, "+"
// to add (name, up to 5 numbers each with its label, e-mail, company,
// note), a tap to edit or delete (asked first). The service's field
// errors (`numbers[1].number`) show next to that field; nothing typed
// is lost.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Field, Alert, Modal, Loading, errorText, useAction } from '../ui.jsx';
import { CallButton } from './call.jsx';

const LABELS = ['mobile', 'work', 'home', 'other'];
const MAX_NUMBERS = 5;

function formOf(c) {
  return {
    name: (c && c.name) || '',
    numbers: c ? c.numbers.map((n) => ({ ...n })) : [{ label: 'mobile', number: '' }],
    email: (c && c.email) || '',
    company: (c && c.company) || '',
    note: (c && c.note) || '',
  };
}

// The body as the API takes it: empty optional fields are none.
function bodyOf(v) {
  const opt = (s) => (s.trim() === '' ? null : s);
  return { name: v.name, numbers: v.numbers.map((n) => ({ label: n.label, number: n.number })), email: opt(v.email), company: opt(v.company), note: opt(v.note) };
}

function ContactForm({ contact, onSaved, onClose }) {
  const [v, setV] = useState(() => formOf(contact));
  const { busy, err, run } = useAction();
  const [asking, setAsking] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  const setNum = (i, k, val) => setV({ ...v, numbers: v.numbers.map((n, j) => (j === i ? { ...n, [k]: val } : n)) });

  const submit = async (e) => {
    e.preventDefault();
    const saved = await run(() => (contact ? api.patchContact(contact.id, bodyOf(v)) : api.addContact(bodyOf(v))));
    if (saved) onSaved();
  };
  const remove = async () => {
    if (await run(() => api.deleteContact(contact.id))) onSaved();
    else setAsking(false);
  };
  // Where the service's error goes: a field, one number's field, the
  // numbers as a whole, or the form.
  const f = (err && err.field) || '';
  const fieldErr = (k) => (err && f === k ? errorText(err) : '');
  const m = f.match(/^numbers\[(\d+)\](?:\.(label|number))?$/);
  const numErr = (i, k) => (err && m && Number(m[1]) === i && (m[2] || 'number') === k ? errorText(err) : '');
  const known = ['name', 'email', 'company', 'note', 'numbers'].includes(f) || m;
  const formErr = err && !known ? errorText(err) : '';
  return (
    <Modal title={contact ? t('contacts.edit') : t('contacts.new')} id="contact" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <Field id="c-name" label={t('contacts.name')} autoComplete="off" value={v.name} onInput={set('name')} error={fieldErr('name')} required />
        <fieldset class="numbers">
          <legend>{t('contacts.numbers')}</legend>
          {v.numbers.map((n, i) => (
            <div class="number-row" key={i}>
              <div class={'field' + (numErr(i, 'label') ? ' has-error' : '')}>
                <label for={`c-label-${i}`}>{t('contacts.label_n', { n: i + 1 })}</label>
                <select id={`c-label-${i}`} value={n.label} onChange={(e) => setNum(i, 'label', e.target.value)} aria-invalid={numErr(i, 'label') ? 'true' : undefined}>
                  {LABELS.map((l) => (
                    <option key={l} value={l}>
                      {t('contacts.label.' + l)}
                    </option>
                  ))}
                </select>
              </div>
              <Field id={`c-number-${i}`} label={t('contacts.number_n', { n: i + 1 })} type="tel" inputMode="tel" autoComplete="off" value={n.number} onInput={(e) => setNum(i, 'number', e.target.value)} error={numErr(i, 'number') || numErr(i, 'label')} required />
              {v.numbers.length > 1 && (
                <button type="button" class="icon-btn small" aria-label={t('contacts.remove_number', { n: i + 1 })} onClick={() => setV({ ...v, numbers: v.numbers.filter((_, j) => j !== i) })}>
                  <span aria-hidden="true">✕</span>
                </button>
              )}
            </div>
          ))}
          {fieldErr('numbers') && (
            <div class="field-error" role="alert">
              {fieldErr('numbers')}
            </div>
          )}
          {v.numbers.length < MAX_NUMBERS && (
            <button type="button" class="btn small" onClick={() => setV({ ...v, numbers: [...v.numbers, { label: 'mobile', number: '' }] })}>
              {t('contacts.add_number')}
            </button>
          )}
        </fieldset>
        <Field id="c-email" label={t('contacts.email')} type="email" autoComplete="off" value={v.email} onInput={set('email')} error={fieldErr('email')} />
        <Field id="c-company" label={t('contacts.company')} autoComplete="off" value={v.company} onInput={set('company')} error={fieldErr('company')} />
        <Field id="c-note" as="textarea" rows={3} label={t('contacts.note')} value={v.note} onInput={set('note')} error={fieldErr('note')} />
        <Alert>{formErr}</Alert>
        {asking ? (
          <div class="confirm-box" role="alertdialog" aria-labelledby="rmc-q">
            <p id="rmc-q">{t('contacts.remove_q', { name: contact.name })}</p>
            <div class="row end">
              <button type="button" class="btn" onClick={() => setAsking(false)}>
                {t('cancel')}
              </button>
              <button type="button" class="btn danger" onClick={remove} disabled={busy}>
                {t('delete')}
              </button>
            </div>
          </div>
        ) : (
          <div class="row end">
            {contact && (
              <button type="button" class="btn danger-outline" onClick={() => setAsking(true)}>
                {t('delete')}
              </button>
            )}
            <span class="grow" />
            <button type="button" class="btn" onClick={onClose}>
              {t('cancel')}
            </button>
            <button type="submit" class="btn primary" disabled={busy}>
              {t('confirm')}
            </button>
          </div>
        )}
      </form>
    </Modal>
  );
}

export function Contacts({ onMenu }) {
  const [q, setQ] = useState('');
  const [list, setList] = useState(null);
  const [err, setErr] = useState('');
  const [editing, setEditing] = useState(null); // null, 'new' or a contact
  const latest = useRef(0);

  const load = (query) => {
    const n = ++latest.current;
    api.contacts(query.trim()).then(
      (r) => n === latest.current && (setList(r.contacts), setErr('')),
      (x) => n === latest.current && setErr(errorText(x))
    );
  };
  useEffect(() => load(q), [q]);
  const saved = () => {
    setEditing(null);
    load(q);
  };
  return (
    <>
      <Header title={t('contacts.title')} onMenu={onMenu} />
      <main class="page narrow with-fab">
        <div class="field search">
          <label for="c-q">{t('contacts.search')}</label>
          <input id="c-q" type="search" autoComplete="off" value={q} onInput={(e) => setQ(e.target.value)} />
        </div>
        <Alert>{err}</Alert>
        {!list && !err && <Loading />}
        {list && list.length === 0 && <p class="muted">{q.trim() ? t('contacts.nomatch') : t('contacts.none')}</p>}
        {list && list.length > 0 && (
          <ul class="list" aria-label={t('contacts.title')}>
            {list.map((c) => (
              <li key={c.id} class="contact-row">
                <button type="button" class="list-item" onClick={() => setEditing(c)}>
                  <span class="ext" aria-hidden="true">
                    {c.name.trim().charAt(0).toUpperCase()}
                  </span>
                  <span class="grow">
                    <span class="name">{c.name}</span>
                    <span class="small muted block">
                      {' '}
                      {c.numbers.map((n) => `${t('contacts.label.' + n.label)} ${n.number}`).join(' · ')}
                      {c.company ? ' · ' + c.company : ''}
                    </span>
                  </span>
                </button>
                <span class="call-btns">
                  {c.numbers.map((n, i) => (
                    <CallButton key={i} number={n.number} name={c.name} label={t('call.to', { who: `${c.name}, ${t('contacts.label.' + n.label)} ${n.number}` })} />
                  ))}
                </span>
              </li>
            ))}
          </ul>
        )}
        <button type="button" class="fab" aria-label={t('contacts.add')} onClick={() => setEditing('new')}>
          <span aria-hidden="true">+</span>
        </button>
      </main>
      {editing && <ContactForm contact={editing === 'new' ? null : editing} onSaved={saved} onClose={() => setEditing(null)} />}
    </>
  );
}
