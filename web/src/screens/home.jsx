// Home: who I am, my status for calls, the directory, contacts and
// recent calls, and (admin) the call settings.
import { t } from '../i18n.js';
import { Header } from '../ui.jsx';
import { Presence } from './presence.jsx';
import { Avatar } from './profile.jsx';

export function Home({ me, setMe, onMenu }) {
  return (
    <>
      <Header title={t('home.title')} onMenu={onMenu} />
      <main class="page">
        <section class="card me-card">
          <Avatar me={me} size={56} />
          <div>
            <h2>{t('home.hello', { name: me.name })}</h2>
            <p class="muted">{t('home.company', { company: me.tenant.company_name, number: me.tenant.number })}</p>
            <p class="muted">{me.extension ? t('home.ext', { ext: me.extension }) : t('home.noext')}</p>
          </div>
        </section>
        <Presence me={me} setMe={setMe} id="presence-home" />
        <nav class="card" aria-labelledby="phone-h">
          <h2 id="phone-h">{t('nav.phone')}</h2>
          <ul class="list">
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
          </ul>
        </nav>
        {me.role === 'admin' && (
          <nav class="card" aria-labelledby="callsettings-h">
            <h2 id="callsettings-h">{t('nav.callsettings')}</h2>
            <ul class="list">
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
            </ul>
          </nav>
        )}
      </main>
    </>
  );
}
