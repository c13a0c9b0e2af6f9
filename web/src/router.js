// A small history router: paths are the app's routes (the admin
// service answers index.html for any of them).
import { useEffect, useRef, useState } from 'preact/hooks';

const subs = new Set();

export function currentPath() {
  return location.pathname + location.search;
}

export function navigate(to, { replace = false } = {}) {
  if (to === currentPath()) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const fn of subs) fn();
}

addEventListener('popstate', () => {
  for (const fn of subs) fn();
});

export function useLocation() {
  const [, setTick] = useState(0);
  // Subscribed while rendering: a child's effect may navigate before
  // this component's own effects run.
  const fn = useRef(null);
  if (!fn.current) {
    fn.current = () => setTick((n) => n + 1);
    subs.add(fn.current);
  }
  useEffect(() => () => subs.delete(fn.current), []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

// Clicks on same-origin <a href="/..."> stay in the app.
export function linkClick(e) {
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || a.target || e.defaultPrevented || e.button !== 0) return;
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = a.getAttribute('href');
  if (!href.startsWith('/') || href.startsWith('/v1/')) return;
  e.preventDefault();
  navigate(href);
}

// Goes elsewhere once rendered (never while rendering).
export function Redirect({ to }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
