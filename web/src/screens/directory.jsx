// "Rubrica aziendale": the company's people with their extension, their
// status for calls (a coloured dot and a word) and whether a device of
// theirs is connected. A search box; the live status is asked again
// every 10 s while the screen is open.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Alert, Loading, errorText } from '../ui.jsx';
import { CallButton } from './call.jsx';

const REFRESH_MS = 10000;

export function PresenceDot({ presence }) {
  return (
    <span class={'presence-word p-' + presence}>
      <span class="dot" aria-hidden="true" />
      {t('presence.' + presence)}
    </span>
  );
}

export function Directory({ me, onMenu }) {
  const [q, setQ] = useState('');
  const [dir, setDir] = useState(null);
  const [err, setErr] = useState('');
  const latest = useRef(0);

  const load = (query) => {
    const n = ++latest.current;
    api.directory(query.trim()).then(
      (r) => {
        if (n !== latest.current) return; // an older answer
        setDir(r);
        setErr('');
      },
      (x) => n === latest.current && setErr(errorText(x))
    );
  };
  useEffect(() => {
    load(q);
    const id = setInterval(() => load(q), REFRESH_MS);
    return () => clearInterval(id);
  }, [q]);

  return (
    <>
      <Header title={t('dir.title')} onMenu={onMenu} />
      <main class="page narrow">
        <div class="field search">
          <label for="dir-q">{t('dir.search')}</label>
          <input id="dir-q" type="search" autoComplete="off" value={q} onInput={(e) => setQ(e.target.value)} />
        </div>
        <Alert>{err}</Alert>
        {!dir && !err && <Loading />}
        {dir && !dir.live && <Alert kind="info">{t('dir.notlive')}</Alert>}
        {dir && dir.entries.length === 0 && <p class="muted">{t('dir.none')}</p>}
        {dir && dir.entries.length > 0 && (
          <ul class="list" aria-label={t('dir.title')}>
            {dir.entries.map((e) => (
              <li key={e.id} class="dir-entry" aria-label={e.name}>
                <span class="ext" aria-hidden="true">
                  {e.type === 'main_line' ? '#' : e.extension || '–'}
                </span>
                <span class="grow">
                  <span class="name">{e.name}</span>
                  <span class="small muted block">
                    {e.type === 'main_line' ? t('dir.mainline') : e.extension ? t('dir.ext', { ext: e.extension }) : t('users.noext')}
                    {e.registered === true && ' · ' + t('dir.registered')}
                    {e.registered === false && ' · ' + t('dir.notregistered')}
                  </span>
                </span>
                {e.type !== 'main_line' && <PresenceDot presence={e.presence} />}
                {e.type !== 'main_line' && e.extension && e.extension !== me.extension && <CallButton number={e.extension} name={e.name} />}
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
