// The dashboard page: asks /dashboard/api/overview for the numbers of the chosen range and site (every one
// a query on the store), refreshes them every few seconds and whenever new events arrive, and shows the
// last events from the live feed (server-sent events). Plain browser JavaScript, no build step; the chart
// is uPlot (loaded before this file). The range and site live in the URL, so a view can be shared.
/* global uPlot */
(() => {
  const REFRESH_MS = 5000;
  const KEEP_EVENTS = 50;
  const params = new URLSearchParams(location.search);
  // the site as the store writes it (lower case), so the picker shows it chosen
  const oid = (params.get('oid') || '').toLowerCase();
  const state = { range: params.get('range') || '1h', oid, newest: 0 };
  // a range the page does not offer (a link typed or kept from elsewhere) left every figure blank, the
  // overview refused and asked for again every few seconds: the default range instead
  // (the page's own buttons name the ranges; a deferred script runs once they are parsed)
  const RANGES = [...document.querySelectorAll('#ranges button')].map((b) => b.dataset.range);
  if (!RANGES.includes(state.range)) state.range = '1h';
  const seen = new Set();
  const $ = (sel) => document.querySelector(sel);
  const number = new Intl.NumberFormat();
  // Times are the viewer's local time, 24-hour, in the chart and the event table alike (uPlot's default
  // axis reads "3pm", and the table showed the stored UTC time).
  const clock = uPlot.fmtDate('{HH}:{mm}:{ss}');
  const hourMinute = uPlot.fmtDate('{HH}:{mm}');
  const monthDay = uPlot.fmtDate('{M}/{D}');
  const DAY_S = 86_400;
  let plot;
  let source;
  let pending;

  const api = (path, query) => `/dashboard/api/${path}?${new URLSearchParams(query)}`;
  const millis = (ts) => Date.parse(`${ts.replace(' ', 'T')}Z`);
  const pathOf = (url) => {
    try {
      return url ? new URL(url).pathname : '';
    } catch {
      return url; // not a URL: shown as it was stored
    }
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  }

  function renderList(name, rows, total) {
    const list = $(`[data-list="${name}"]`);
    const max = Math.max(1, ...rows.map((r) => r.n));
    list.replaceChildren(
      ...(rows.length === 0
        ? [el('li', { class: 'empty' }, 'no data')]
        : rows.map((r) => {
            const share = total === undefined ? r.n / max : r.n / Math.max(1, total);
            const shown = total === undefined ? number.format(r.n) : `${Math.round(share * 100)}%`;
            // Through the CSSOM: the page's Content-Security-Policy refuses style attributes.
            const fill = el('span', { class: 'fill' });
            fill.style.width = `${(share * 100).toFixed(1)}%`;
            return el(
              'li',
              { 'data-key': r.key, 'data-n': String(r.n) },
              fill,
              el('span', { class: 'k', title: r.key }, r.key),
              el('span', { class: 'n' }, shown),
            );
          })),
    );
  }

  /**
   * The time axis's labels: hours and minutes, with the day under the first tick and under each tick that
   * starts a new day; ticks a day or more apart name the day only. Also left on the chart's data-ticks,
   * where a test can read what the canvas shows.
   */
  function timeTicks(_u, splits, _axis, _space, incrS) {
    let previous;
    const labels = splits.map((t) => {
      const at = new Date(t * 1000);
      const day = monthDay(at);
      if (incrS >= DAY_S) return day;
      const label = day === previous ? hourMinute(at) : `${hourMinute(at)}\n${day}`;
      previous = day;
      return label;
    });
    $('#chart').dataset.ticks = labels.join(' | ');
    return labels;
  }

  function renderChart(series, stepS) {
    const minutes = stepS / 60;
    $('#series-title').textContent =
      minutes === 1
        ? 'Events per minute'
        : minutes < 60
          ? `Events per ${minutes} minutes`
          : `Events per ${minutes / 60} hours`;
    const data = [series.t, series.n];
    const width = $('#chart').clientWidth || 800;
    if (plot) {
      plot.setData(data);
      return;
    }
    plot = new uPlot(
      {
        width,
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          {},
          {
            label: 'events',
            stroke: '#2f6fde',
            fill: 'rgba(47,111,222,0.12)',
            width: 2,
            points: { show: false },
          },
        ],
        axes: [{ values: timeTicks }, { size: 50 }],
      },
      data,
      $('#chart'),
    );
    addEventListener('resize', () => plot.setSize({ width: $('#chart').clientWidth, height: 220 }));
  }

  // events sent without an oid are stored under the nil UUID, which reads as a site that does not exist
  const NO_SITE = '00000000-0000-0000-0000-000000000000';
  function renderSites(sites) {
    const select = $('#site');
    const known = new Set([...select.options].map((o) => o.value));
    for (const s of sites)
      if (!known.has(s.key))
        select.append(el('option', { value: s.key }, s.key === NO_SITE ? '(no site)' : s.key));
    select.value = state.oid;
  }

  function render(o) {
    for (const [k, v] of Object.entries(o.totals)) $(`[data-metric="${k}"]`).textContent = number.format(v);
    renderChart(o.series, o.range.stepS);
    for (const name of ['pages', 'referrers', 'sources', 'countries', 'devices', 'browsers'])
      renderList(name, o[name]);
    renderList(
      'consent',
      o.consent.bits.map((b) => ({ key: b.name, n: b.n })),
      o.consent.total,
    );
    renderSites(o.sites);
    document.body.dataset.from = String(o.range.fromMs);
    document.body.dataset.to = String(o.range.toMs);
    document.body.dataset.loaded = String(Date.now());
  }

  /** What the ingest said was wrong (its `{error, message}`), else the status: the viewer can act on it. */
  async function refusal(res) {
    const body = await res.json().catch(() => undefined);
    return body && typeof body.message === 'string' ? `${res.status}: ${body.message}` : `${res.status}`;
  }

  async function refresh() {
    try {
      const res = await fetch(api('overview', { range: state.range, oid: state.oid }), { cache: 'no-store' });
      if (!res.ok) throw new Error(await refusal(res));
      render(await res.json());
    } catch (err) {
      $('#status').textContent = `could not load (${err.message})`;
      $('#status').className = 'status';
    }
  }

  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      void refresh();
    }, 1000);
  }

  function addEvents(events, fresh) {
    const body = $('#events tbody');
    for (const e of [...events].reverse()) {
      if (seen.has(e.eid)) continue;
      seen.add(e.eid);
      state.newest = Math.max(state.newest, millis(e.received));
      const page = pathOf(e.url);
      const cells = [
        clock(new Date(millis(e.received))),
        e.ename,
        e.etyp,
        page,
        e.country,
        e.device,
        e.browser,
      ];
      body.prepend(
        el(
          'tr',
          { 'data-eid': e.eid, class: fresh ? 'fresh' : '' },
          ...cells.map((c) => el('td', { title: c }, c)),
        ),
      );
    }
    while (body.rows.length > KEEP_EVENTS) body.lastElementChild.remove();
  }

  async function startLive() {
    source?.close();
    seen.clear();
    state.newest = 0;
    $('#events tbody').replaceChildren();
    const res = await fetch(api('events', { oid: state.oid, limit: 20 }), { cache: 'no-store' });
    if (res.ok) addEvents((await res.json()).events, false);
    source = new EventSource(api('live', { oid: state.oid, after: state.newest }));
    source.addEventListener('open', () => {
      $('#status').textContent = 'live';
      $('#status').className = 'status live';
    });
    source.addEventListener('error', () => {
      // A refused stream (a 4xx) is not retried by the browser: what the overview said stays shown.
      if (source.readyState !== EventSource.CONNECTING) return;
      $('#status').textContent = 'reconnecting…';
      $('#status').className = 'status';
    });
    // The store cannot be read (down, busy, or refusing the ingest): say so instead of silently going
    // stale; the stream stays open and says `available` when it reads again.
    source.addEventListener('unavailable', (m) => {
      const why = JSON.parse(m.data);
      $('#status').textContent = `store unavailable (${why.error}: ${why.message})`;
      $('#status').className = 'status down';
    });
    source.addEventListener('available', () => {
      $('#status').textContent = 'live';
      $('#status').className = 'status live';
    });
    source.addEventListener('events', (m) => {
      addEvents(JSON.parse(m.data), true);
      refreshSoon();
    });
  }

  function choose(change) {
    Object.assign(state, change);
    const q = new URLSearchParams({ range: state.range, ...(state.oid ? { oid: state.oid } : {}) });
    history.replaceState(null, '', `?${q}`);
    for (const b of document.querySelectorAll('#ranges button'))
      b.setAttribute('aria-pressed', String(b.dataset.range === state.range));
    void refresh();
    if ('oid' in change) void startLive();
  }

  addEventListener('DOMContentLoaded', () => {
    for (const b of document.querySelectorAll('#ranges button'))
      b.addEventListener('click', () => choose({ range: b.dataset.range }));
    $('#site').addEventListener('change', (e) => choose({ oid: e.target.value }));
    choose({ range: state.range, oid: state.oid });
    setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, REFRESH_MS);
  });
})();
