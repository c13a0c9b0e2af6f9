// How the call lists say times, durations and numbers.
import { getLang } from '../i18n.js';

const locale = () => (getLang() === 'en' ? 'en-GB' : 'it-IT');

// Today: HH:MM; another day: its date.
export function when(iso) {
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString(locale(), { day: '2-digit', month: '2-digit', year: 'numeric' });
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
}

// 0:42, 12:05, 1:02:03
export function duration(s) {
  if (s == null) return '';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

// Numbers compared by their digits; an Italian number with or without
// its +39/0039 is the same number.
export function digits(n) {
  let d = String(n || '').replace(/\D/g, '');
  if (d.startsWith('0039')) d = d.slice(4);
  else if (d.startsWith('39') && d.length > 10) d = d.slice(2);
  return d;
}

// The name of a personal contact one of whose numbers is `number`.
export function contactName(contacts, number) {
  const d = digits(number);
  if (d.length < 3) return null;
  const c = contacts.find((x) => x.numbers.some((n) => digits(n.number) === d));
  return c ? c.name : null;
}
