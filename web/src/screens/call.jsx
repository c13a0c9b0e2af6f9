// The phone's screens: the call (ringing, in call, failed) over
// whatever screen is open, the dial pad ("Tastiera", /tastiera), and
// the call button beside a person, a contact's number or a recent call.
// The phone itself (JsSIP, media, states) is phone.js.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.js';
import { Header, Alert } from '../ui.jsx';
import { usePhone, answer, decline, hangup, toggleMute, toggleHold, sendDtmf, dismiss, dial, cleanNumber } from '../phone.js';
import { duration } from './calls-format.js';

// Icons (Material Icons' paths, Apache 2.0): no icon font, no emoji
// font needed.
const PATHS = {
  call: 'M6.62 10.79c1.44 2.83 3.76 5.14 6.59 6.59l2.2-2.2c.27-.27.67-.36 1.02-.24 1.12.37 2.33.57 3.57.57.55 0 1 .45 1 1V20c0 .55-.45 1-1 1-9.39 0-17-7.61-17-17 0-.55.45-1 1-1h3.5c.55 0 1 .45 1 1 0 1.25.2 2.45.57 3.57.11.35.03.74-.25 1.02l-2.2 2.2z',
  mic: 'M12 14c1.66 0 2.99-1.34 2.99-3L15 5c0-1.66-1.34-3-3-3S9 3.34 9 5v6c0 1.66 1.34 3 3 3zm5.3-3c0 3-2.54 5.1-5.3 5.1S6.7 14 6.7 11H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c3.28-.48 6-3.3 6-6.72h-1.7z',
  micoff: 'M19 11h-1.7c0 .74-.16 1.43-.43 2.05l1.23 1.23c.56-.98.9-2.09.9-3.28zm-4.02.17c0-.06.02-.11.02-.17V5c0-1.66-1.34-3-3-3S9 3.34 9 5v.18l5.98 5.99zM4.27 3L3 4.27l6.01 6.01V11c0 1.66 1.33 3 2.99 3 .22 0 .44-.03.65-.08l1.66 1.66c-.71.33-1.5.52-2.31.52-2.76 0-5.3-2.1-5.3-5.1H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c.91-.13 1.77-.45 2.54-.9L19.73 21 21 19.73 4.27 3z',
  pause: 'M6 19h4V5H6v14zm8-14v14h4V5h-4z',
  dialpad: 'M12 19c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zM6 1c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm0 6c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm0 6c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm12-8c1.1 0 2-.9 2-2s-.9-2-2-2-2 .9-2 2 .9 2 2 2zm-6 8c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm6 0c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm0-6c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm-6 0c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2zm0-6c-1.1 0-2 .9-2 2s.9 2 2 2 2-.9 2-2-.9-2-2-2z',
  backspace: 'M22 3H7c-.69 0-1.23.35-1.59.88L0 12l5.41 8.11c.36.53.9.89 1.59.89h15c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2zm-3 12.59L17.59 17 14 13.41 10.41 17 9 15.59 12.59 12 9 8.41 10.41 7 14 10.59 17.59 7 19 8.41 15.41 12 19 15.59z',
};

export function Icon({ name, class: cls }) {
  return (
    <svg class={'ico ' + (cls || '')} viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="currentColor" />
    </svg>
  );
}

// The green round button beside a person, a number or a recent call.
export function CallButton({ number, name, label }) {
  const n = cleanNumber(number);
  if (!n) return null;
  return (
    <button type="button" class="call-btn" aria-label={label || t('call.to', { who: name && name !== n ? `${name} (${n})` : n })} onClick={() => dial(n, name || n)}>
      <Icon name="call" />
    </button>
  );
}

const KEYS = [
  ['1', ''],
  ['2', 'ABC'],
  ['3', 'DEF'],
  ['4', 'GHI'],
  ['5', 'JKL'],
  ['6', 'MNO'],
  ['7', 'PQRS'],
  ['8', 'TUV'],
  ['9', 'WXYZ'],
  ['*', ''],
  ['0', '+'],
  ['#', ''],
];

function Keys({ onKey, label }) {
  return (
    <div class="keys" role="group" aria-label={label}>
      {KEYS.map(([k, sub]) => (
        <button type="button" key={k} class="key" onClick={() => onKey(k)}>
          {/\d/.test(k) ? (
            <span class="k">{k}</span>
          ) : (
            <>
              <span class="k" aria-hidden="true">
                {k}
              </span>
              <span class="sr-only">{t('key.' + k)}</span>
            </>
          )}
          <span class="sub" aria-hidden="true">
            {sub}
          </span>
        </button>
      ))}
    </div>
  );
}

// "Tastiera": an extension ("05"), a national number ("0612345678"),
// an international one ("+39…", "0039…").
export function Dialpad({ onMenu }) {
  const p = usePhone();
  const [num, setNum] = useState('');
  const input = useRef(null);
  const add = (k) => {
    setNum((v) => v + k);
    if (input.current) input.current.focus();
  };
  const submit = (e) => {
    e.preventDefault();
    if (cleanNumber(num)) dial(num);
  };
  const offline = p.status !== 'registered';
  return (
    <>
      <Header title={t('dial.title')} onMenu={onMenu} />
      <main class="page narrow dial">
        <form onSubmit={submit} noValidate>
          <div class="field dial-field">
            <label for="dial-number">{t('dial.number')}</label>
            <input id="dial-number" ref={input} type="tel" inputMode="tel" autoComplete="off" value={num} onInput={(e) => setNum(e.target.value)} aria-describedby="dial-hint" />
            <div class="hint" id="dial-hint">
              {t('dial.hint')}
            </div>
          </div>
          {offline && <Alert kind="info">{t('dial.offline')}</Alert>}
          <Keys onKey={add} label={t('dial.keys')} />
          <div class="dial-actions">
            <button type="button" class="key-side" aria-label={t('key.plus')} onClick={() => add('+')}>
              <span aria-hidden="true">+</span>
            </button>
            <button type="submit" class="round-btn go" aria-label={t('dial.call')} disabled={!cleanNumber(num) || !!p.call}>
              <Icon name="call" />
            </button>
            <button type="button" class="key-side" aria-label={t('dial.delete')} disabled={!num} onClick={() => setNum((v) => v.slice(0, -1))}>
              <Icon name="backspace" />
            </button>
          </div>
        </form>
      </main>
    </>
  );
}

// Ticks every second while a call is in progress.
function useTick(on) {
  const [, setN] = useState(0);
  useEffect(() => {
    if (!on) return undefined;
    const id = setInterval(() => setN((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, [on]);
}

function stateText(c) {
  if (c.state === 'active') return (c.held ? t('call.held') + ' · ' : c.heldRemote ? t('call.held_remote') + ' · ' : '') + duration(Math.floor((Date.now() - c.since) / 1000));
  if (c.state === 'failed') return t('call.failed');
  return t('call.state.' + c.state);
}

// The other side's audio as a small meter: shows the line is alive.
function LineLevel({ c }) {
  const level = c.levelIn || 0;
  const alive = c.rtpIn > 0;
  const bars = [0.002, 0.01, 0.04, 0.12, 0.3];
  return (
    <div class="line-level">
      <span class="bars" aria-hidden="true">
        {bars.map((b, i) => (
          <i key={i} class={alive && level >= b ? 'on' : ''} style={{ height: `${6 + i * 3}px` }} />
        ))}
      </span>
      <span class="small">{alive ? t('call.audio.in') : t('call.audio.none')}</span>
    </div>
  );
}

function RoundButton({ icon, label, onClick, pressed, kind, disabled }) {
  return (
    <div class="round">
      <button type="button" class={'round-btn ' + (kind || '') + (pressed ? ' on' : '')} aria-pressed={pressed === undefined ? undefined : pressed ? 'true' : 'false'} onClick={onClick} disabled={disabled}>
        <Icon name={icon} class={kind === 'end' ? 'hang' : ''} />
        <span class="sr-only">{label}</span>
      </button>
      <span class="round-label" aria-hidden="true">
        {label}
      </span>
    </div>
  );
}

// The call, over every screen while there is one.
export function CallScreen() {
  const p = usePhone();
  const c = p.call;
  const [pad, setPad] = useState(false);
  const box = useRef(null);
  useTick(c && c.state === 'active');
  const id = c && c.id;
  // A new call: the screen itself takes the focus (read out by its
  // name), not a button a stray Enter would press.
  useEffect(() => {
    setPad(false);
    if (box.current) box.current.focus();
  }, [id]);
  // A tab in the background says who is calling in its title.
  const title = c && c.state === 'ringing' ? `${t('call.in')}: ${c.external ? t('call.external') + ' ' : ''}${c.name}` : '';
  useEffect(() => {
    if (!title) return undefined;
    const before = document.title;
    document.title = title;
    return () => {
      document.title = before;
    };
  }, [title]);
  if (!c) return null;
  // The focus stays in the call screen (aria-modal): Tab cycles.
  // With the keypad open the keyboard's digits are sent as tones.
  const trap = (e) => {
    if (pad && c.state === 'active' && /^[0-9*#]$/.test(e.key)) {
      e.preventDefault();
      sendDtmf(e.key);
      return;
    }
    if (e.key !== 'Tab' || !box.current) return;
    const f = [...box.current.querySelectorAll('button:not([disabled])')];
    if (!f.length) return;
    const first = f[0];
    const last = f[f.length - 1];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || at === box.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && at === last) {
      e.preventDefault();
      first.focus();
    }
  };
  const ringing = c.state === 'ringing' || c.state === 'answering';
  const active = c.state === 'active';
  const media = c.rtpIn !== null || active || c.state === 'early';
  const micText = c.mic === 'denied' ? t('call.mic.denied') : c.mic === 'none' ? t('call.mic.none') : '';
  const reason = c.reason ? t('call.reason.' + c.reason) + (c.code ? ` (${c.code})` : '') : '';
  return (
    <div class="call-back">
      <div class={'call-screen s-' + c.state} role="dialog" aria-modal="true" aria-labelledby="call-who" aria-describedby="call-state" tabIndex={-1} ref={box} onKeyDown={trap} data-call-state={c.state} data-call-dir={c.dir} data-muted={c.muted ? '1' : '0'} data-held={c.held ? '1' : '0'} data-held-remote={c.heldRemote ? '1' : '0'} data-rtp-in={c.rtpIn ?? ''} data-level-in={c.levelIn ?? ''}>
        <p class="call-kind">{c.dir === 'in' ? t('call.in') : t('call.out')}</p>
        {c.external && <p class="call-label">{t('call.external')}</p>}
        <h2 id="call-who" class="call-who">
          {c.name}
        </h2>
        {!c.external && c.dir === 'out' && c.name !== c.number && <p class="call-number">{c.number}</p>}
        <p id="call-state" class="call-state" role="status">
          {stateText(c)}
        </p>
        {media && c.state !== 'failed' && <LineLevel c={c} />}
        {micText && (
          <Alert>
            {micText} {t('call.mic.how')}
          </Alert>
        )}
        {c.state === 'failed' && (
          <Alert>
            {reason}
            {(c.reason === 'mic' || c.reason === 'nomic') && ' ' + t('call.mic.how')}
          </Alert>
        )}
        {active && c.dtmf && (
          <p class="dtmf" aria-label={t('call.dtmf.sent')}>
            {c.dtmf}
          </p>
        )}
        {active && pad && <Keys onKey={sendDtmf} label={t('call.keypad')} />}
        {ringing && (
          <div class="call-actions two">
            <RoundButton icon="call" kind="end" label={t('call.decline')} onClick={decline} />
            <RoundButton icon="call" kind="go" label={t('call.answer')} onClick={answer} disabled={c.state === 'answering'} />
          </div>
        )}
        {active && (
          <div class="call-actions three">
            <RoundButton icon={c.muted ? 'micoff' : 'mic'} label={t('call.mute')} pressed={c.muted} onClick={toggleMute} />
            <RoundButton icon="pause" label={t('call.hold')} pressed={c.held} onClick={toggleHold} />
            <div class="round">
              <button type="button" class={'round-btn' + (pad ? ' on' : '')} aria-expanded={pad ? 'true' : 'false'} onClick={() => setPad(!pad)}>
                <Icon name="dialpad" />
                <span class="sr-only">{t('call.keypad')}</span>
              </button>
              <span class="round-label" aria-hidden="true">
                {t('call.keypad')}
              </span>
            </div>
          </div>
        )}
        {!ringing && c.state !== 'failed' && (
          <div class="call-actions one">
            <RoundButton icon="call" kind="end" label={t('call.hangup')} onClick={hangup} />
          </div>
        )}
        {c.state === 'failed' && (
          <div class="row center">
            <button type="button" class="btn" onClick={dismiss}>
              {t('close')}
            </button>
            {c.dir === 'out' && (
              <button type="button" class="btn primary" onClick={() => dial(c.number, c.name)}>
                {t('call.again')}
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
