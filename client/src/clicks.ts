// Opt-in click tracking. `clicks`: elements marked `data-track="name"` (their `data-track-*` attributes
// become properties), links and buttons. `outbound`: links to another host, recorded before the browser
// leaves (the page-hide beacon carries the event). Text is clipped: it can hold personal data, and a
// whole article's text is no label.
import { clip } from './context.ts';
import type { Props } from './types.ts';

const TEXT_MAX = 100;

export interface ClickOptions {
  readonly clicks: boolean;
  readonly outbound: boolean;
}

function describe(el: Element, a: HTMLAnchorElement | null): Record<string, string> {
  const props: Record<string, string> = {
    ename: el.getAttribute('data-track') || 'click',
    etyp: 'click',
    tag: el.tagName.toLowerCase(),
    text: clip((el.textContent ?? '').trim().replace(/\s+/g, ' '), TEXT_MAX),
  };
  if (el.id) props.id = el.id;
  if (a) props.href = a.href;
  for (const { name, value } of Array.from(el.attributes)) {
    if (name.startsWith('data-track-')) props[name.slice(11).replace(/-/g, '_')] = clip(value, TEXT_MAX);
  }
  return props;
}

export function watchClicks(o: ClickOptions, emit: (props: Props) => void): () => void {
  const onClick = (e: MouseEvent) => {
    if (e.type === 'auxclick' && e.button !== 1) return;
    const target = e.target instanceof Element ? e.target : null;
    const el = target?.closest('[data-track],a,button');
    if (!el) return;
    const a = el.closest<HTMLAnchorElement>('a[href]');
    if (o.outbound && a && /^https?:$/.test(a.protocol) && a.host !== location.host) {
      emit({ ename: 'outbound', etyp: 'click', href: a.href });
    } else if (o.clicks && e.type === 'click') emit(describe(el, a));
  };
  // capture phase: runs even when the page's own handler stops propagation or navigates
  document.addEventListener('click', onClick, true);
  document.addEventListener('auxclick', onClick, true);
  return () => {
    document.removeEventListener('click', onClick, true);
    document.removeEventListener('auxclick', onClick, true);
  };
}
