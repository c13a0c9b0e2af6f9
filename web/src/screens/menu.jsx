// The menu (top left): profile, status, directory, contacts, recent
// calls, devices, settings, tutorial, call settings for the admin,
// logout (of every session of the person: {all: true}).
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Presence } from './presence.jsx';
import { Avatar } from './profile.jsx';
import { Modal } from '../ui.jsx';

export function Drawer({ me, setMe, onClose, onLoggedOut }) {
  const logout = async () => {
    try {
      await api.logout({ all: true });
    } catch (e) {
      /* the token may be gone already */
    }
    onLoggedOut();
  };
  const go = () => onClose();
  // Focus goes into the menu; Escape closes it and focus comes back.
  const closeBtn = useRef(null);
  useEffect(() => {
    const prev = document.activeElement;
    if (closeBtn.current) closeBtn.current.focus();
    const onKey = (e) => e.key === 'Escape' && onClose();
    addEventListener('keydown', onKey);
    return () => {
      removeEventListener('keydown', onKey);
      if (prev && prev.focus && document.contains(prev)) prev.focus();
    };
  }, []);
  return (
    <div class="backdrop drawer-back" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <nav class="drawer" aria-label={t('menu')}>
        <div class="drawer-head">
          <Avatar me={me} size={48} />
          <div>
            <strong>{me.name}</strong>
            <div class="small">{me.username}</div>
          </div>
          <button type="button" class="icon-btn" ref={closeBtn} aria-label={t('menu.close')} onClick={onClose}>
            <span aria-hidden="true">✕</span>
          </button>
        </div>
        <Presence me={me} setMe={setMe} id="presence-menu" />
        <ul class="list" onClick={go}>
          <li>
            <a class="list-link" href="/profilo">
              {t('nav.profile')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/tastiera">
              {t('nav.dialpad')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/rubrica">
              {t('nav.directory')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/contatti">
              {t('nav.contacts')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/recenti">
              {t('nav.recents')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/dispositivi">
              {t('nav.devices')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/impostazioni">
              {t('nav.settings')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/tutorial">
              {t('nav.tutorial')}
            </a>
          </li>
          {me.role === 'admin' && (
            <>
              <li class="list-head">{t('nav.callsettings')}</li>
              <li>
                <a class="list-link" href="/utenze">
                  {t('nav.users')}
                </a>
              </li>
              <li>
                <a class="list-link" href="/servizi">
                  {t('nav.services')}
                </a>
              </li>
              <li>
                <a class="list-link" href="/oggi">
                  {t('nav.today')}
                </a>
              </li>
            </>
          )}
        </ul>
        <button type="button" class="btn block danger-outline" onClick={logout}>
          {t('nav.logout')}
        </button>
      </nav>
    </div>
  );
}
export { Modal };
