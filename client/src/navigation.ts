// Single-page navigation: History API calls (pushState, replaceState) and back/forward (popstate). A
// navigation counts as a new page when the path changes, or the route of a hash router (`#/…`, `#!/…`);
// query-only and anchor changes (filters, sorting, in-page links) do not.

export function pageKey(l: { pathname: string; hash: string }): string {
  return /^#!?\//.test(l.hash) ? l.pathname + l.hash : l.pathname;
}

type HistoryFn = History['pushState'];

/** Calls `onNavigate` after every navigation; returns the function that undoes the hooks. */
export function watchNavigation(onNavigate: () => void): () => void {
  const h = window.history;
  const patch = (name: 'pushState' | 'replaceState') => {
    const orig: HistoryFn = h[name];
    const wrapped: HistoryFn = function (this: History, ...args) {
      const r = orig.apply(this, args);
      onNavigate();
      return r;
    };
    h[name] = wrapped;
    // restore only if nobody patched over us since (undoing theirs would break their hook)
    return () => {
      if (h[name] === wrapped) h[name] = orig;
    };
  };
  const undo = [patch('pushState'), patch('replaceState')];
  window.addEventListener('popstate', onNavigate);
  window.addEventListener('hashchange', onNavigate);
  return () => {
    for (const u of undo) u();
    window.removeEventListener('popstate', onNavigate);
    window.removeEventListener('hashchange', onNavigate);
  };
}
