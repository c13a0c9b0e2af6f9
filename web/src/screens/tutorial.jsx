// The tutorial: the guide's four pages, "Salta" on each, "Fine" on the
// last. Seen once (PATCH /v1/me tutorial_seen), replayable from the menu.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { Header } from '../ui.jsx';

export function Tutorial({ me, setMe }) {
  const [page, setPage] = useState(1);
  const finish = async () => {
    if (!me.tutorial_seen) {
      try {
        setMe(await api.patchMe({ tutorial_seen: true }));
      } catch (e) {
        setMe({ ...me, tutorial_seen: true }); // shown again next time
      }
    }
    navigate('/', { replace: true });
  };
  return (
    <>
      <Header title={t('tut.title')} />
      <main class="page narrow tutorial">
        <section class="tut-card" aria-live="polite" aria-label={t('tut.page', { n: page })}>
          {page === 1 && <h2>{t('tut.1.title')}</h2>}
          <p>{t('tut.' + page)}</p>
        </section>
        <nav class="dots" aria-label={t('tut.title')}>
          {[1, 2, 3, 4].map((n) => (
            <button key={n} type="button" class={'dot' + (n === page ? ' on' : '')} aria-label={t('tut.page', { n })} aria-current={n === page ? 'step' : undefined} onClick={() => setPage(n)}>
              {n}
            </button>
          ))}
        </nav>
        <div class="row end">
          {page < 4 && (
            <button type="button" class="btn" onClick={() => setPage(page + 1)}>
              {t('tut.next')}
            </button>
          )}
          <button type="button" class="btn primary" onClick={finish}>
            {page < 4 ? t('tut.skip') : t('tut.end')} <span aria-hidden="true">✕</span>
          </button>
        </div>
      </main>
    </>
  );
}
