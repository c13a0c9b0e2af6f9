// Telefono Virtuale: the app's shell. Who may see what (logged in, the
// first-login password change, the consents, the tutorial once) and
// which screen a path shows.
import { render } from 'preact';
import { useEffect, useState, useCallback } from 'preact/hooks';
import './style.css';
import { api, getSession, setSession, onAuthEvent } from './api.js';
import { useLang, t } from './i18n.js';
import { Header, Alert, errorText } from './ui.jsx';
import { startPhone, stopPhone, usePhone } from './phone.js';
import { navigate, useLocation, linkClick, currentPath, Redirect } from './router.js';
import { Login } from './screens/login.jsx';
import { Forgot } from './screens/forgot.jsx';
import { Reset } from './screens/reset.jsx';
import { ChangePassword } from './screens/password.jsx';
import { Consents, consentsDone } from './screens/consents.jsx';
import { Tutorial } from './screens/tutorial.jsx';
import { Home } from './screens/home.jsx';
import { Drawer } from './screens/menu.jsx';
import { Profile } from './screens/profile.jsx';
import { Devices } from './screens/devices.jsx';
import { Settings } from './screens/settings.jsx';
import { Users } from './screens/users.jsx';
import { Services } from './screens/services.jsx';
import { Ringing } from './screens/ringing.jsx';
import { Forwarding } from './screens/forwarding.jsx';
import { Messages, MessageEdit } from './screens/messages.jsx';
import { Simulate } from './screens/simulate.jsx';
import { Directory } from './screens/directory.jsx';
import { Contacts } from './screens/contacts.jsx';
import { Recents } from './screens/recents.jsx';
import { Today } from './screens/today.jsx';
import { CallScreen, Dialpad } from './screens/call.jsx';

// Paths anyone may open; the reset page is where the reset mail points
// (notify's OV_MAIL_RESET_URL, /password).
const PUBLIC = { '/login': Login, '/password-dimenticata': Forgot, '/password': Reset };

const ROUTES = {
  '/': Home,
  '/profilo': Profile,
  '/dispositivi': Devices,
  '/impostazioni': Settings,
  '/tutorial': Tutorial,
  '/consensi': Consents,
  '/utenze': Users,
  '/servizi': Services,
  '/servizi/squillo': Ringing,
  '/servizi/deviazione': Forwarding,
  '/servizi/risposte': Messages,
  '/servizi/prova': Simulate,
  '/oggi': Today,
  '/rubrica': Directory,
  '/contatti': Contacts,
  '/recenti': Recents,
  '/tastiera': Dialpad,
};
const ADMIN_ONLY = ['/utenze', '/servizi', '/oggi'];

function App() {
  useLang();
  const { path } = useLocation();
  const [session, setS] = useState(getSession());
  const [me, setMe] = useState(null);
  const [menu, setMenu] = useState(false);
  const [notice, setNotice] = useState('');
  const [meErr, setMeErr] = useState(null);

  const loadMe = useCallback(async () => {
    try {
      const m = await api.me();
      setMe(m);
      setMeErr(null);
      return m;
    } catch (e) {
      if (e.status !== 401) setMeErr(e);
      return null;
    }
  }, []);

  useEffect(
    () =>
      onAuthEvent((ev) => {
        if (ev === 'expired') {
          stopPhone();
          setS(null);
          setMe(null);
          setNotice('expired');
          const here = currentPath();
          navigate('/login' + (here.startsWith('/login') ? '' : '?next=' + encodeURIComponent(here)), { replace: true });
        } else if (ev === 'must-change') {
          navigate('/cambio-password', { replace: true });
        }
      }),
    []
  );

  useEffect(() => {
    if (session && !session.must_change && !me) loadMe();
  }, [session]);
  // The phone registers once the person is in (docs/app.md, "The phone").
  useEffect(() => {
    if (session && !session.must_change && me) startPhone();
  }, [session, me]);

  const onLogin = (s, next) => {
    setSession(s);
    setS(s);
    setNotice('');
    setMe(null);
    if (s.must_change) navigate('/cambio-password', { replace: true });
    else navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
  };
  const onLoggedOut = () => {
    stopPhone();
    setSession(null);
    setS(null);
    setMe(null);
    setMenu(false);
    navigate('/login', { replace: true });
  };

  if (PUBLIC[path]) {
    const Screen = PUBLIC[path];
    return <Screen onLogin={onLogin} notice={notice} />;
  }
  if (!session) {
    return <Redirect to={'/login?next=' + encodeURIComponent(currentPath())} />;
  }
  // The forced first-login change, or a change the person asked for.
  if (session.must_change || path === '/cambio-password') {
    if (path !== '/cambio-password') return <Redirect to="/cambio-password" />;
    return <ChangePassword session={session} onDone={onLoggedOut} />;
  }
  if (!me) {
    // Offline (the shell came from the service worker) or the service
    // is unavailable: say so, and let the person try again.
    if (meErr) {
      return (
        <>
          <Header title="" />
          <main class="page narrow">
            <Alert>{errorText(meErr)}</Alert>
            <button type="button" class="btn primary block" onClick={loadMe}>
              {t('retry')}
            </button>
          </main>
        </>
      );
    }
    return (
      <div class="splash" role="status">
        {t('loading')}
      </div>
    );
  }
  // First steps: the call-account consent, then the tutorial, once.
  if (!consentsDone(me) && path !== '/consensi') {
    return <Redirect to={'/consensi'} />;
  }
  if (consentsDone(me) && !me.tutorial_seen && path !== '/tutorial' && path !== '/consensi') {
    return <Redirect to={'/tutorial'} />;
  }
  if (ADMIN_ONLY.some((p) => path === p || path.startsWith(p + '/')) && me.role !== 'admin') {
    return <Redirect to={'/'} />;
  }
  let Screen = ROUTES[path];
  let params = {};
  const m = path.match(/^\/servizi\/risposte\/(closed|welcome|no_answer)$/);
  if (m) {
    Screen = MessageEdit;
    params = { kind: m[1] };
  }
  if (!Screen) Screen = Home;
  return (
    <>
      <Screen me={me} setMe={setMe} reloadMe={loadMe} onMenu={() => setMenu(true)} onLoggedOut={onLoggedOut} {...params} />
      {menu && <Drawer me={me} setMe={setMe} onClose={() => setMenu(false)} onLoggedOut={onLoggedOut} />}
      <PhoneStatus />
      <CallScreen />
    </>
  );
}

// The phone's state, always visible at the bottom; an incoming call is
// announced here too (role=status is polite) while CallScreen shows it.
function PhoneStatus() {
  const p = usePhone();
  if (p.status === 'off') return null;
  return (
    <div class={'phone-status ' + p.status} role="status" data-phone-state={p.status} data-phone-calls={p.calls}>
      <span class="dot" aria-hidden="true" />
      {p.incoming ? t('phone.incoming', { from: p.incoming }) : t('phone.' + p.status)}
    </div>
  );
}

document.addEventListener('click', linkClick);
render(<App />, document.getElementById('app'));

if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => {}));
}
