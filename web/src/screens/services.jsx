// "Servizi": ringing, forwarding, interactive responses, and "try it"
// (what a call would do now).
import { t } from '../i18n.js';
import { Header } from '../ui.jsx';
import { ApplyBar } from './apply.jsx';

export function Services() {
  return (
    <>
      <Header title={t('services.title')} back="/" />
      <main class="page">
        <ul class="list">
          <li>
            <a class="list-link" href="/servizi/squillo">
              {t('services.ringing')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/servizi/deviazione">
              {t('services.forwarding')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/servizi/risposte">
              {t('services.messages')}
            </a>
          </li>
          <li>
            <a class="list-link" href="/servizi/prova">
              {t('services.simulate')}
            </a>
          </li>
        </ul>
        <ApplyBar />
      </main>
    </>
  );
}
