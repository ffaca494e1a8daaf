// The pages browser tests load: a single-page app (links handled with history.pushState) carrying the
// client's script tag, and a plain page elsewhere to leave to.
import type { Page } from './site.ts';

const html = (body: string): Page => ({ type: 'text/html; charset=utf-8', body });

/** The tag of the client's script-tag build, with data attributes (`data-clicks=""` for flags). */
export function scriptTag(attrs: Readonly<Record<string, string>>): string {
  const data = Object.entries(attrs)
    .map(([k, v]) => ` data-${k}="${v}"`)
    .join('');
  return `<script src="/tracker.js"${data}></script>`;
}

/** A single-page app: `a[data-spa]` links navigate with pushState; an outbound link to `elsewhere`. */
export function spaPage(tag: string, elsewhere: string): Page {
  return html(`<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>${tag}</head>
<body>
  <nav>
    <a id="pricing" href="/app/pricing" data-spa>Pricing</a>
    <a id="docs" href="/app/docs" data-spa>Docs</a>
    <a id="out" href="${elsewhere}">Partner site</a>
  </nav>
  <button id="buy" data-track="buy" data-track-plan="pro">Buy <b>now</b></button>
  <button id="plain">Plain</button>
  <main id="view"></main>
  <script>
    document.addEventListener('click', (e) => {
      const a = e.target.closest('a[data-spa]');
      if (!a) return;
      e.preventDefault();
      history.pushState({}, '', a.href);
      document.getElementById('view').textContent = location.pathname;
    });
  </script>
</body></html>`);
}

export const plainPage = (title: string): Page =>
  html(`<!doctype html><html><head><title>${title}</title></head><body>${title}</body></html>`);
