// The phone's screenshots (screens.mjs calls phoneScreens for each
// viewport): the keypad, an incoming call from the company number, an
// outgoing call ringing, a call in progress with its keypad, a failed
// call, the microphone refused, and the call buttons in the lists.
import { newTenant, prepareAdmin, browser, newPage, uiLogin, applyNow, activeUser, toneWav, sipp, udpBound } from './lib.mjs';

export async function phoneScreens(env, shot, kind, viewport) {
  const bm = await browser({ media: { wav: toneWav(440, 30) } });
  const bd = await browser({ media: { micPrompt: 'deny' } });
  const b2 = await browser({ media: { wav: toneWav(660, 30) } });
  try {
    const t = await prepareAdmin(await newTenant(env, { name: 'Verdi Arredi Srl' }));
    for (const [name, username, extension] of [['Mario Rossi', 'Mario', '01'], ['Laura Verdi', 'Laura', '05']])
      await t.api('POST', '/v1/users', { name, username, extension, email: `${username.toLowerCase()}@${t.domain}` });
    await applyNow(t);
    const laura = await activeUser(t, 'Laura');
    const mario = await activeUser(t, 'Mario');
    const lauraId = (await t.api('GET', '/v1/users')).json.users.find((u) => u.username === 'Laura').id;
    await t.api('PUT', '/v1/ringing', { mode: 'sequential', rings: 4, members: [{ type: 'user', id: lauraId }] });
    await applyNow(t);
    await laura.api('POST', '/v1/me/contacts', { name: 'Giulia Neri', numbers: [{ label: 'mobile', number: '+39 335 123 4567' }, { label: 'work', number: '06 1234 5678' }], company: 'Neri Srl' });

    const page = await newPage(bm, env, { viewport });
    await uiLogin(page, laura, '/tastiera');
    await page.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
    await page.getByRole('textbox', { name: 'Numero da chiamare' }).fill('0612345678');
    await shot(page, 'dialpad', kind);

    // From the company number: "telefono virtuale" above the number.
    const trunk = Number(env.OV_TRUNK_IN_PORT);
    const caller = sipp(env, 'call_fail.xml', ['-s', t.number, '-key', 'from', '3351234567', '-key', 'domain', laura.sip.domain], { port: trunk, limit: '30s', expect: 486 });
    await page.locator('.call-screen[data-call-state="ringing"]').waitFor({ timeout: 15000 });
    await shot(page, 'call-incoming', kind);
    await page.getByRole('button', { name: 'Rifiuta' }).click();
    await caller;

    // Out, ringing at a number behind the trunk; then a failed call.
    const far = sipp(env, 'uas_ring.xml', [], { port: Number(env.OV_TRUNK_OUT_PORT), limit: '30s' });
    await udpBound(Number(env.OV_TRUNK_OUT_PORT));
    await page.goto('/contatti');
    await page.getByRole('button', { name: /^Giulia Neri/ }).waitFor();
    await page.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
    await shot(page, 'contacts-call', kind);
    await page.getByRole('button', { name: /^Chiama Giulia Neri, Lavoro/ }).click();
    await page.locator('.call-screen[data-call-state="progress"]').waitFor({ timeout: 15000 });
    await shot(page, 'call-outgoing', kind);
    await page.getByRole('button', { name: 'Riaggancia' }).click();
    await far;
    // Mario has no phone connected: not reachable.
    await page.goto('/rubrica');
    await page.getByRole('button', { name: 'Chiama Mario Rossi (01)' }).click();
    await page.locator('.call-screen[data-call-state="failed"]').waitFor({ timeout: 15000 });
    await shot(page, 'call-failed', kind);
    await page.getByRole('button', { name: 'Chiudi' }).click();
    // Now he is: a call in progress, muted, then its keypad.
    const mp = await newPage(b2, env, { viewport });
    await uiLogin(mp, mario);
    await mp.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
    await page.getByRole('button', { name: 'Chiama Mario Rossi (01)' }).click();
    await mp.getByRole('button', { name: 'Rispondi' }).click();
    const active = page.locator('.call-screen[data-call-state="active"]');
    await active.waitFor({ timeout: 15000 });
    await page.waitForFunction(() => Number(document.querySelector('.call-screen')?.dataset.levelIn || 0) > 0.01, null, { timeout: 15000 });
    await page.waitForTimeout(2200); // the timer shows a few seconds
    await page.getByRole('button', { name: 'Muto' }).click();
    await shot(page, 'call-active', kind);
    await page.getByRole('button', { name: 'Muto' }).click();
    await page.getByRole('button', { name: 'Tastiera', exact: true }).click();
    for (const k of ['1', '2']) await page.getByRole('group', { name: 'Tastiera', exact: true }).getByRole('button', { name: k, exact: true }).click();
    await shot(page, 'call-keypad', kind);
    await page.getByRole('button', { name: 'Riaggancia' }).click();
    await mp.locator('.call-screen').waitFor({ state: 'detached', timeout: 10000 });
    await mp.context().close();
    await page.context().close();

    // The microphone refused, on answering.
    const deny = await newPage(bd, env, { viewport });
    await uiLogin(deny, laura);
    await deny.locator('.phone-status[data-phone-state="registered"]').waitFor({ timeout: 15000 });
    const caller2 = sipp(env, 'call_fail.xml', ['-s', t.number, '-key', 'from', '3479876543', '-key', 'domain', laura.sip.domain], { port: trunk, limit: '30s', expect: 486 });
    await deny.locator('.call-screen[data-call-state="ringing"]').waitFor({ timeout: 15000 });
    await deny.getByRole('button', { name: 'Rispondi' }).click();
    await deny.locator('.call-screen .alert').waitFor();
    await shot(deny, 'call-mic-refused', kind);
    await deny.getByRole('button', { name: 'Rifiuta' }).click();
    await caller2;
    await deny.context().close();
  } finally {
    await bm.close();
    await bd.close();
    await b2.close();
  }
}
