// "Configurazione utenze": the tenant's people; "+" adds one (name,
// email, username, 2-digit extension), a tap edits or removes. The
// service's field errors show next to each field; nothing typed is lost.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Header, Field, Alert, Modal, Loading, errorText, splitError, useAction } from '../ui.jsx';
import { ApplyBar } from './apply.jsx';

const FIELDS = ['name', 'email', 'username', 'extension'];

function UserForm({ user, onSaved, onClose }) {
  const [v, setV] = useState(() => Object.fromEntries(FIELDS.map((k) => [k, (user && user[k]) || ''])));
  const { busy, err, run } = useAction();
  const [asking, setAsking] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });

  const submit = async (e) => {
    e.preventDefault();
    const ok = await run(async () => {
      if (user) {
        const changed = Object.fromEntries(FIELDS.filter((k) => v[k] !== (user[k] || '')).map((k) => [k, v[k]]));
        if (Object.keys(changed).length) await api.patchUser(user.id, changed);
      } else {
        await api.addUser(v);
      }
    });
    if (ok) onSaved();
  };
  const remove = async () => {
    if (await run(() => api.deleteUser(user.id))) onSaved();
    else setAsking(false);
  };
  const { form, fields } = splitError(err, FIELDS);
  return (
    <Modal title={user ? t('users.edit') : t('users.new')} id="user" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <Field id="u-name" label={t('users.name')} autoComplete="off" value={v.name} onInput={set('name')} error={fields.name} required />
        <Field id="u-email" label={t('users.email')} type="email" autoComplete="off" value={v.email} onInput={set('email')} error={fields.email} required />
        <Field id="u-username" label={t('users.username')} autoComplete="off" autoCapitalize="none" value={v.username} onInput={set('username')} error={fields.username} required />
        <Field id="u-extension" label={t('users.extension')} inputMode="numeric" maxLength={2} autoComplete="off" value={v.extension} onInput={set('extension')} error={fields.extension} required />
        <Alert>{form}</Alert>
        {asking ? (
          <div class="confirm-box" role="alertdialog" aria-labelledby="rm-q">
            <p id="rm-q">{t('users.remove_q', { name: user.name })}</p>
            <div class="row end">
              <button type="button" class="btn" onClick={() => setAsking(false)}>
                {t('cancel')}
              </button>
              <button type="button" class="btn danger" onClick={remove} disabled={busy}>
                {t('remove')}
              </button>
            </div>
          </div>
        ) : (
          <div class="row end">
            {user && user.role !== 'admin' && (
              <button type="button" class="btn danger-outline" onClick={() => setAsking(true)}>
                {t('remove')}
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

export function Users() {
  const [users, setUsers] = useState(null);
  const [err, setErr] = useState('');
  const [editing, setEditing] = useState(null); // null, 'new' or a user
  const [stamp, setStamp] = useState(0);
  const [note, setNote] = useState('');

  const load = () => api.users().then((r) => setUsers(r.users), (x) => setErr(errorText(x)));
  useEffect(() => {
    load();
  }, []);
  const saved = () => {
    setEditing(null);
    setNote(t('users.saved_hint'));
    setStamp(stamp + 1);
    load();
  };
  return (
    <>
      <Header title={t('users.title')} back="/" />
      <main class="page with-fab">
        <Alert>{err}</Alert>
        <Alert kind="ok">{note}</Alert>
        {!users && !err && <Loading />}
        {users && (
          <ul class="list users" aria-label={t('users.title')}>
            {users.map((u) => (
              <li key={u.id}>
                <button type="button" class="list-item" onClick={() => setEditing(u)}>
                  <span class="ext" aria-hidden="true">
                    {u.extension || '–'}
                  </span>
                  <span class="grow">
                    <span class="name">{u.name}</span>
                    <span class="small muted">
                      {' '}
                      {u.username} · {u.extension ? u.extension : t('users.noext')}
                    </span>
                  </span>
                  <span class={'tag' + (u.state === 'draft' ? ' draft' : '')}>{t(u.state === 'draft' ? 'users.draft' : 'users.active')}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <ApplyBar stamp={stamp} />
        <button type="button" class="fab" aria-label={t('users.add')} onClick={() => setEditing('new')}>
          <span aria-hidden="true">+</span>
        </button>
      </main>
      {editing && <UserForm user={editing === 'new' ? null : editing} onSaved={saved} onClose={() => setEditing(null)} />}
    </>
  );
}
