// Settings: the app's language.
import { t, getLang, setLang } from '../i18n.js';
import { Header } from '../ui.jsx';

export function Settings() {
  return (
    <>
      <Header title={t('settings.title')} back="/" />
      <main class="page narrow">
        <fieldset class="card">
          <legend>{t('settings.language')}</legend>
          {[
            ['it', 'Italiano'],
            ['en', 'English'],
          ].map(([l, name]) => (
            <label key={l} class="radio-row" lang={l}>
              <input type="radio" name="lang" value={l} checked={getLang() === l} onChange={() => setLang(l)} /> {name}
            </label>
          ))}
        </fieldset>
      </main>
    </>
  );
}
