// Screenshots of every screen at 360x740 (phone) and 1280x800
// (desktop) into the directory given (docs/screens/), named
// <screen>-<phone|desktop>.png. Run by scripts/web.sh screens.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { phoneScreens } from './screens-phone.mjs';
import { stackUp, stackDown, newTenant, prepareAdmin, browser, newPage, uiLogin, box, PHONE, DESKTOP, applyNow, activeUser, register, freeUdpPort, sipp, until } from './lib.mjs';

const out = process.argv[2] || 'docs/screens';
mkdirSync(out, { recursive: true });
const env = await stackUp();
const b = await browser();

async function shot(page, name, kind) {
  // Sticky header: a full-page shot is taken from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(out, `${name}-${kind}.png`), fullPage: true });
  console.log(`screens: ${name}-${kind}.png`);
}

try {
  for (const [kind, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ]) {
    // A company at its first login: login, password, consents, tutorial.
    const fresh = await newTenant(env, { name: 'Rossi Impianti Srl' });
    let page = await newPage(b, env, { viewport });
    await page.goto('/login');
    await box(page, /^Utenza/).fill(fresh.number);
    await box(page, 'Username').fill('Amministratore');
    await box(page, 'Password').fill('sbagliata');
    await page.getByRole('button', { name: 'Login' }).click();
    await page.getByText('Utenza, username o password non corretti.').waitFor();
    await shot(page, 'login', kind);
    await page.getByRole('link', { name: 'Password dimenticata?' }).click();
    await page.getByRole('heading', { name: 'Password dimenticata' }).waitFor();
    await shot(page, 'forgot', kind);
    await page.goto('/password');
    await box(page, 'Nuova password').fill('abcDE1');
    await shot(page, 'reset', kind);
    await page.goto('/login');
    await box(page, /^Utenza/).fill(fresh.number);
    await box(page, 'Username').fill('Amministratore');
    await box(page, 'Password').fill(fresh.password);
    await page.getByRole('button', { name: 'Login' }).click();
    await page.waitForURL(/cambio-password/).catch(async (e) => {
      await page.screenshot({ path: '/tmp/screens-fail.png' });
      throw e;
    });
    await box(page, 'Vecchia password').fill(fresh.password);
    await box(page, 'Nuova password').fill('Nuova.pass');
    await shot(page, 'password-change', kind);
    await box(page, 'Nuova password').fill('Nuova.Pass1');
    await box(page, 'Conferma password').fill('Nuova.Pass1');
    await page.getByRole('button', { name: 'Cambia password' }).click();
    await page.getByText('PASSWORD CAMBIATA!').waitFor();
    await shot(page, 'password-changed', kind);
    await page.waitForURL(/\/login$/);
    await box(page, 'Password').fill('Nuova.Pass1');
    await page.getByRole('button', { name: 'Login' }).click();
    await page.waitForURL(/consensi/);
    await shot(page, 'consents', kind);
    await page.getByRole('checkbox', { name: /Permessi account chiamata/ }).check();
    await page.getByRole('button', { name: 'Continua' }).click();
    await page.waitForURL(/tutorial/);
    await shot(page, 'tutorial-1', kind);
    await page.getByRole('button', { name: 'Pagina 2 di 4' }).click();
    await shot(page, 'tutorial-2', kind);
    await page.context().close();

    // A company at work: users, ringing, forwarding, messages.
    const t = await prepareAdmin(await newTenant(env, { name: 'Bianchi & Figli Srl' }));
    for (const [name, username, extension] of [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05'], ['Sara Bianchi', 'Sara', '07']])
      await t.api('POST', '/v1/users', { name, username, extension, email: `${username.toLowerCase()}@${t.domain}` });
    await t.api('GET', '/v1/me/sip?device=app');
    page = await newPage(b, env, { viewport });
    await uiLogin(page, t);
    await page.getByRole('heading', { name: /Ciao/ }).waitFor();
    await shot(page, 'home', kind);
    await page.getByRole('button', { name: 'Apri il menu' }).click();
    await shot(page, 'menu', kind);
    await page.goto('/profilo');
    await page.getByRole('heading', { name: 'Profilo' }).waitFor();
    await shot(page, 'profile', kind);
    await page.goto('/dispositivi');
    await page.getByText('amministratore.app').waitFor();
    await shot(page, 'devices', kind);
    await page.goto('/impostazioni');
    await shot(page, 'settings', kind);
    await page.goto('/utenze');
    await page.getByRole('button', { name: /Mario Rossi/ }).waitFor();
    await shot(page, 'users', kind);
    await page.getByRole('button', { name: 'Aggiungi utente' }).click();
    const d = page.getByRole('dialog');
    await box(d, 'Nome').fill('Marco Neri');
    await box(d, 'Email').fill('marco@');
    await box(d, 'Username').fill('Marco');
    await box(d, 'Interno (2 cifre)').fill('05');
    await d.getByRole('button', { name: 'Conferma' }).click();
    await d.locator('.field-error').waitFor();
    await shot(page, 'user-form', kind);
    await d.getByRole('button', { name: 'Annulla' }).click();
    await page.getByRole('button', { name: /Aggiorna Configurazione/ }).click();
    await page.getByRole('dialog').waitFor();
    await shot(page, 'apply', kind);
    await page.goto('/servizi');
    await shot(page, 'services', kind);
    await page.goto('/servizi/squillo');
    await page.getByRole('checkbox', { name: 'Fa squillare Mario Rossi' }).check();
    await page.getByRole('checkbox', { name: 'Fa squillare Laura Verdi' }).check();
    await shot(page, 'ringing', kind);
    await page.getByRole('radio', { name: 'Simultaneo' }).check();
    await shot(page, 'ringing-simultaneous', kind);
    await page.goto('/servizi/deviazione');
    await page.getByRole('checkbox', { name: 'Attiva Occupato' }).check();
    await box(page, 'Numero per Occupato').fill('333 1234567');
    await shot(page, 'forwarding', kind);
    await page.goto('/servizi/risposte');
    await page.getByRole('link', { name: /Azienda chiusa/ }).waitFor();
    await shot(page, 'messages', kind);
    await page.goto('/servizi/risposte/closed');
    await page.getByRole('radio', { name: /da \(giorno settimana\) a \(giorno settimana\)\. Grazie e arrivederci/ }).check();
    await page.getByLabel('Apertura', { exact: true }).fill('09:00');
    await page.getByLabel('Chiusura', { exact: true }).fill('18:00');
    await page.getByLabel('Dal giorno', { exact: true }).selectOption('monday');
    await page.getByLabel('Al giorno', { exact: true }).selectOption('friday');
    await page.getByRole('button', { name: 'Aggiungi intervallo di tempo' }).click();
    await page.getByRole('checkbox', { name: 'Inglese' }).check();
    await page.getByRole('button', { name: 'Ascolta anteprima' }).click();
    await page.locator('audio').waitFor({ timeout: 20000 });
    await shot(page, 'message-closed', kind);
    await page.goto('/servizi/risposte/no_answer');
    await page.getByRole('heading', { name: 'Libero non risponde' }).waitFor();
    await shot(page, 'message-no-answer', kind);
    // Try it, before and after an apply; Laura's phone connected.
    await page.goto('/servizi/prova');
    await box(page, 'Numero del chiamante').fill('abc');
    await page.getByRole('button', { name: 'Prova', exact: true }).click();
    await page.locator('#sim-from-err').waitFor();
    await shot(page, 'simulate-error', kind);
    const ids = Object.fromEntries((await t.api('GET', '/v1/users')).json.users.map((u) => [u.username, u.id]));
    await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 4, members: ['Laura', 'Mario', 'Sara'].map((u) => ({ type: 'user', id: ids[u] })) });
    await applyNow(t);
    const laura = await activeUser(t, 'Laura');
    const mario = await activeUser(t, 'Mario');
    await mario.api('PATCH', '/v1/me', { presence: 'dnd' });
    const lport = await freeUdpPort();
    await register(env, laura, lport);
    // The router learns of the registration by an event: wait until it
    // rings her, so the shot shows the plan, not that moment.
    await until(async () => ((await t.api('POST', '/v1/simulate', { from: '3351234567', at: '2026-12-14T10:00' })).json.steps || []).some((st) => st.kind === 'ring'), 'the router rings Laura');
    await box(page, 'Numero del chiamante').fill('335 1234567');
    await page.getByLabel('Giorno').fill('2026-12-14');
    await page.getByLabel('Ora').fill('10:00');
    await page.getByRole('button', { name: 'Prova', exact: true }).click();
    await page.getByRole('heading', { name: 'Cosa succede alla chiamata' }).waitFor();
    await shot(page, 'simulate', kind);
    // Calls from the trunk ring only while the company is open: the
    // closed message's hours would refuse them in the evening.
    assert.equal((await t.api('PUT', '/v1/messages/closed', { enabled: false, template_id: 'closed_hours' })).status, 200);
    await applyNow(t);
    // A call answered and one missed, for the lists; contacts.
    await laura.api('POST', '/v1/me/contacts', { name: 'Giulia Neri', numbers: [{ label: 'mobile', number: '+39 335 123 4567' }, { label: 'work', number: '06 1234 5678' }], company: 'Neri Srl' });
    await laura.api('POST', '/v1/me/contacts', { name: 'Paolo Bruni', numbers: [{ label: 'home', number: '02 9876 5432' }] });
    const trunk = Number(env.OV_TRUNK_IN_PORT);
    let phone = sipp(env, 'uas.xml', [], { port: lport, limit: '30s' });
    await sipp(env, 'call.xml', ['-s', t.number, '-key', 'from', '3351234567', '-key', 'domain', laura.sip.domain, '-d', '1500'], { port: trunk, limit: '30s' });
    await phone;
    phone = sipp(env, 'uas_busy.xml', [], { port: lport, limit: '30s' });
    await sipp(env, 'call_fail.xml', ['-s', t.number, '-key', 'from', '3479876543', '-key', 'domain', laura.sip.domain], { port: trunk, limit: '30s', expect: 486 });
    await phone;
    await page.goto('/oggi');
    await page.getByText('3479876543').first().waitFor();
    await shot(page, 'today', kind);
    await page.goto('/rubrica');
    await page.getByText('Laura Verdi').waitFor();
    await shot(page, 'directory', kind);
    await page.context().close();
    // Laura's own screens.
    page = await newPage(b, env, { viewport });
    await uiLogin(page, laura, '/recenti');
    await page.getByText('Giulia Neri', { exact: true }).first().waitFor();
    await shot(page, 'recents', kind);
    await page.goto('/contatti');
    await page.getByText('Paolo Bruni').waitFor();
    await shot(page, 'contacts', kind);
    await page.getByRole('button', { name: /^Giulia Neri/ }).click();
    await box(page.getByRole('dialog'), 'Numero 2').fill('3');
    await page.getByRole('dialog').getByRole('button', { name: 'Conferma' }).click();
    await page.locator('#c-number-1-err').waitFor();
    await shot(page, 'contact-form', kind);
    await page.context().close();
    await t.api('PATCH', `/v1/users/${ids.Sara}`, { extension: '08' });
    page = await newPage(b, env, { viewport });
    await uiLogin(page, t, '/servizi');
    await page.getByRole('button', { name: /Aggiorna Configurazione \(/ }).click();
    await page.getByRole('dialog').getByRole('listitem').first().waitFor();
    await shot(page, 'apply-changes', kind);
    await page.goto('/impostazioni');
    await page.getByRole('radio', { name: 'English' }).check();
    await page.goto('/servizi/squillo');
    await page.getByRole('heading', { name: /ringing/ }).waitFor();
    await shot(page, 'ringing-en', kind);
    await page.context().close();
    // The phone: keypad, calls in and out, a failure, the microphone.
    await phoneScreens(env, shot, kind, viewport);
  }
} finally {
  await b.close();
  stackDown();
}
