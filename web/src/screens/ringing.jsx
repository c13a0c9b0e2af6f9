// "Configura squillo Simultaneo/Sequenziale": the members (the main
// line "Fibra Principale" and the users), their order by drag or by
// keyboard (arrow keys on the handle, or the ▲ ▼ buttons), rings 3–8.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';
import { ApplyBar } from './apply.jsx';

const keyOf = (m) => (m.type === 'main_line' ? 'main' : 'user:' + m.id);

function itemsFrom(ringing, users) {
  const cands = [{ key: 'main', member: { type: 'main_line' }, label: t('ring.main') }].concat(
    users.map((u) => ({ key: 'user:' + u.id, member: { type: 'user', id: u.id }, label: u.name, ext: u.extension }))
  );
  const byKey = Object.fromEntries(cands.map((c) => [c.key, c]));
  const out = [];
  for (const m of (ringing && ringing.members) || []) {
    const c = byKey[keyOf(m)];
    if (c && !out.includes(c)) out.push({ ...c, on: true });
  }
  for (const c of cands) if (!out.some((o) => o.key === c.key)) out.push({ ...c, on: false });
  return out;
}

export function Ringing() {
  const [loaded, setLoaded] = useState(null);
  const [mode, setMode] = useState('sequential');
  const [rings, setRings] = useState(4);
  const [items, setItems] = useState([]);
  const [err, setErr] = useState('');
  const [ok, setOk] = useState('');
  const [live, setLive] = useState('');
  const [stamp, setStamp] = useState(0);
  const listRef = useRef(null);
  const drag = useRef(null);
  const focusKey = useRef(null);

  const restore = (d, users) => {
    setMode(d.ringing.mode || 'sequential');
    setRings(d.ringing.rings || 4);
    setItems(itemsFrom(d.ringing, users));
  };
  useEffect(() => {
    Promise.all([api.draft(), api.users()]).then(
      ([d, u]) => {
        setLoaded({ d, users: u.users });
        restore(d, u.users);
      },
      (x) => setErr(errorText(x))
    );
  }, []);
  useEffect(() => {
    if (focusKey.current && listRef.current) {
      const h = listRef.current.querySelector(`[data-key="${focusKey.current}"] .handle`);
      if (h) h.focus();
      focusKey.current = null;
    }
  });

  const move = (from, to, keepFocus) => {
    if (to < 0 || to >= items.length || from === to) return;
    const next = items.slice();
    const [it] = next.splice(from, 1);
    next.splice(to, 0, it);
    setItems(next);
    setOk('');
    if (keepFocus) focusKey.current = it.key;
    setLive(t('ring.moved', { name: it.label, n: to + 1 }));
  };
  const onKey = (e, i) => {
    if (e.key === 'ArrowUp') {
      e.preventDefault();
      move(i, i - 1, true);
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      move(i, i + 1, true);
    }
  };
  // Drag with pointer events: mouse, touch and pen alike.
  const onDown = (e, i) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture && e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { key: items[i].key };
  };
  const onMove = (e) => {
    if (!drag.current || !listRef.current) return;
    const lis = [...listRef.current.children];
    const from = items.findIndex((x) => x.key === drag.current.key);
    let to = 0;
    lis.forEach((li, j) => {
      if (j === from) return;
      const r = li.getBoundingClientRect();
      if (e.clientY > r.top + r.height / 2) to = j < from ? j + 1 : j;
    });
    if (e.clientY < lis[0].getBoundingClientRect().top) to = 0;
    if (to !== from) move(from, to, false);
  };
  const onUp = () => {
    drag.current = null;
  };

  const save = async () => {
    const members = items.filter((x) => x.on).map((x) => x.member);
    if (!members.length) {
      setErr(t('ring.none'));
      return;
    }
    setErr('');
    setOk('');
    try {
      const d = await api.putRinging({ mode, rings: Number(rings), members });
      setLoaded({ ...loaded, d });
      setOk(t('saved'));
      setStamp(stamp + 1);
    } catch (x) {
      setErr(errorText(x));
    }
  };

  let n = 0;
  return (
    <>
      <Header title={t('ring.title')} back="/servizi" />
      <main class="page narrow">
        {!loaded && !err && <Loading />}
        {loaded && (
          <>
            <p class="muted">{mode === 'sequential' ? t('ring.hint') : t('ring.hint_sim')}</p>
            <ul class={'ring-list ' + mode} ref={listRef} onPointerMove={onMove} onPointerUp={onUp} onPointerCancel={onUp} aria-label={t('ring.title')}>
              {items.map((it, i) => {
                const pos = it.on ? ++n : null;
                return (
                  <li key={it.key} data-key={it.key} class={(it.on ? 'on' : 'off') + (drag.current && drag.current.key === it.key ? ' dragging' : '')}>
                    {mode === 'sequential' && (
                      <button type="button" class="handle" aria-label={t('ring.drag', { name: it.label })} onPointerDown={(e) => onDown(e, i)} onKeyDown={(e) => onKey(e, i)}>
                        <span aria-hidden="true">⠿</span>
                      </button>
                    )}
                    <label class="grow member">
                      <input type="checkbox" checked={it.on} aria-label={t('ring.include', { name: it.label })} onChange={(e) => setItems(items.map((x) => (x.key === it.key ? { ...x, on: e.target.checked } : x)))} />
                      <span class="who">
                        <span class={'name' + (it.key === 'main' ? ' main-line' : '')}>{it.label}</span>
                        {it.ext && <span class="small muted">{t('profile.extension')} {it.ext}</span>}
                      </span>
                    </label>
                    {mode === 'sequential' && (
                      <>
                        <span class="pos" aria-hidden="true">
                          {pos || ''}
                        </span>
                        <button type="button" class="icon-btn small" aria-label={t('ring.up', { name: it.label })} disabled={i === 0} onClick={() => move(i, i - 1, false)}>
                          <span aria-hidden="true">▲</span>
                        </button>
                        <button type="button" class="icon-btn small" aria-label={t('ring.down', { name: it.label })} disabled={i === items.length - 1} onClick={() => move(i, i + 1, false)}>
                          <span aria-hidden="true">▼</span>
                        </button>
                      </>
                    )}
                  </li>
                );
              })}
            </ul>
            <div class="sr-only" aria-live="polite">
              {live}
            </div>
            {mode === 'sequential' && (
              <div class="field inline">
                <label for="rings">{t('ring.rings')}</label>
                <select id="rings" value={rings} onChange={(e) => setRings(Number(e.target.value))}>
                  {[3, 4, 5, 6, 7, 8].map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <fieldset class="seg">
              <legend>{t('ring.mode')}</legend>
              {['sequential', 'simultaneous'].map((m) => (
                <label key={m}>
                  <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
                  <span>{t('ring.' + m)}</span>
                </label>
              ))}
            </fieldset>
            <Alert>{err}</Alert>
            <Alert kind="ok">{ok}</Alert>
            <div class="row end">
              <button type="button" class="btn" onClick={() => restore(loaded.d, loaded.users)}>
                {t('reset')}
              </button>
              <button type="button" class="btn primary" onClick={save}>
                {t('confirm')}
              </button>
            </div>
            <ApplyBar stamp={stamp} />
          </>
        )}
        {!loaded && <Alert>{err}</Alert>}
      </main>
    </>
  );
}
