// Profile: photo (PUT /v1/me/photo, PNG or JPEG), name, username,
// extension, role.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Alert, errorText } from '../ui.jsx';

const MAX_PHOTO = 262144; // OV_ADMIN_MAX_PHOTO's default
let photoUrl = null;
let photoFor = '';
const photoSubs = new Set();

function usePhoto(me) {
  const [url, setUrl] = useState(me.has_photo && photoFor === me.id ? photoUrl : null);
  useEffect(() => {
    const fn = () => setUrl(photoUrl);
    photoSubs.add(fn);
    if (me.has_photo && photoFor !== me.id) refreshPhoto(me);
    if (!me.has_photo) setUrl(null);
    return () => photoSubs.delete(fn);
  }, [me.id, me.has_photo]);
  return url;
}

async function refreshPhoto(me) {
  photoFor = me.id;
  try {
    const blob = await api.photo();
    if (photoUrl) URL.revokeObjectURL(photoUrl);
    photoUrl = URL.createObjectURL(blob);
  } catch (e) {
    photoUrl = null;
  }
  for (const fn of photoSubs) fn();
}

export function Avatar({ me, size = 48 }) {
  const url = usePhoto(me);
  const initials = (me.name || '?')
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return url ? (
    <img class="avatar" src={url} width={size} height={size} alt={t('profile.photo')} />
  ) : (
    <span class="avatar initials" style={{ width: size + 'px', height: size + 'px' }} aria-hidden="true">
      {initials}
    </span>
  );
}

// A photo larger than the service takes is scaled down to a JPEG.
async function fit(file) {
  if ((file.type === 'image/png' || file.type === 'image/jpeg') && file.size <= MAX_PHOTO) return file;
  const img = await createImageBitmap(file);
  for (const side of [512, 384, 256]) {
    const k = Math.min(1, side / Math.max(img.width, img.height));
    const c = document.createElement('canvas');
    c.width = Math.round(img.width * k);
    c.height = Math.round(img.height * k);
    c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
    const blob = await new Promise((res) => c.toBlob(res, 'image/jpeg', 0.85));
    if (blob && blob.size <= MAX_PHOTO) return blob;
  }
  return file;
}

export function Profile({ me, setMe }) {
  const [err, setErr] = useState('');
  const [ok, setOk] = useState('');
  const upload = async (e) => {
    const file = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!file) return;
    setErr('');
    setOk('');
    try {
      await api.putPhoto(await fit(file));
      photoFor = '';
      const m = await api.me();
      await refreshPhoto(m);
      setMe(m);
      setOk(t('profile.photo_saved'));
    } catch (x) {
      setErr(errorText(x));
    }
  };
  const remove = async () => {
    setErr('');
    setOk('');
    try {
      await api.deletePhoto();
      setMe(await api.me());
    } catch (x) {
      setErr(errorText(x));
    }
  };
  return (
    <>
      <Header title={t('profile.title')} back="/" />
      <main class="page narrow">
        <section class="card center">
          <Avatar me={me} size={96} />
          <div class="row center">
            <label class="btn file-btn">
              {t('profile.change_photo')}
              <input type="file" accept="image/png,image/jpeg,image/*" class="sr-only" onChange={upload} />
            </label>
            {me.has_photo && (
              <button type="button" class="btn" onClick={remove}>
                {t('profile.remove_photo')}
              </button>
            )}
          </div>
          <Alert>{err}</Alert>
          <Alert kind="ok">{ok}</Alert>
        </section>
        <dl class="card props">
          <dt>{t('profile.name')}</dt>
          <dd>{me.name}</dd>
          <dt>{t('profile.username')}</dt>
          <dd>{me.username}</dd>
          <dt>{t('profile.email')}</dt>
          <dd>{me.email}</dd>
          <dt>{t('profile.extension')}</dt>
          <dd>{me.extension || '—'}</dd>
          <dt>{t('profile.role')}</dt>
          <dd>{t('role.' + me.role)}</dd>
        </dl>
        <p class="center">
          <a href="/cambio-password">{t('pw.title')}</a>
        </p>
      </main>
    </>
  );
}
