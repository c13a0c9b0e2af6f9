// The password policy as hints for people typing: the one mirror of a
// service rule in the app (services/admin/policy.c decides; its 400
// names the field when the two ever disagree).
export const SPECIALS = '.!?$%*-;#^';

export const RULES = [
  { id: 'length', test: (p) => [...p].length >= 8 },
  { id: 'digit', test: (p) => /[0-9]/.test(p) },
  { id: 'upper', test: (p) => /[A-Z]/.test(p) },
  { id: 'lower', test: (p) => /[a-z]/.test(p) },
  { id: 'special', test: (p) => [...p].some((c) => SPECIALS.includes(c)) },
];

export function check(password) {
  return RULES.map((r) => ({ id: r.id, ok: r.test(password || '') }));
}

export function allOk(password) {
  return RULES.every((r) => r.test(password || ''));
}
