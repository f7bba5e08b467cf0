// opusperf dashboard: one script, two modes.
//
//   live:   the page came from a running server (`--serve`); it follows /api/stream, one report
//           snapshot per interval, and keeps the history it saw in the browser.
//   report: the page is a saved HTML report (`opusperf report run.json --html out.html`); the run's
//           report is embedded in #opusperf-data and the charts come from its recorded series.
//
// What it draws comes from the report JSON (schema opusperf.report/1), read generically so that a
// component's section shows up as soon as it says "enabled": true, and a disabled one just says so:
//   - numbers, strings and booleans of a section (nested objects too) are its figures;
//   - an array of objects that all carry a time (t_ms, at_ms or time_ms) is recorded history: with
//     only numbers it is a series and becomes a chart; with text (decisions, responses, ejections)
//     its entries are events, drawn as markers on the section's charts and listed, and their
//     numbers are plotted at their times (a tuner's knob values at its decisions);
//   - an array of objects that all carry a name (name, id, worker, knob, key) is a set of items
//     (workers, knobs, caches): a table, and in live mode one chart per changing field, a line an
//     item;
//   - in live mode every number that changes between snapshots is charted over time, grouped by
//     unit (the key's suffix: _bytes, _ms, _percent, ...).
// Every chart marks its element with data-points (points drawn); every figure taken from the
// report carries data-pointer (a JSON pointer into the report) and data-raw (the value), which the
// end-to-end test compares with /api/report.
(function () {
  'use strict';

  const MAX_SNAPSHOTS = 1800;  // live history kept in the browser: 30 min at one snapshot a second
  const MAX_LINES = 8;         // lines per chart; more are left out, the most active kept
  const SKIP_SECTIONS = new Set(['schema', 'version', 'profile', 'config', 'system', 'operations',
                                 'metrics', 'stream', 'forced_optimizations']);
  const SECTION_ORDER = ['cache', 'memory', 'gpu', 'balance', 'tune'];
  const SECTION_TITLES = {
    cache: 'SmartCache', memory: 'Memory', gpu: 'GPU', balance: 'Load balancing',
    tune: 'Adaptive tuning', video: 'Clip pipeline', clip: 'Clip pipeline',
  };
  const TIME_KEYS = ['t_ms', 'at_ms', 'time_ms'];
  const ID_KEYS = ['name', 'id', 'worker', 'knob', 'key'];
  // Levels some components report as text, charted as a number (higher = worse).
  const LEVELS = {normal: 0, ok: 0, elevated: 1, high: 2, critical: 3};
  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777',
                   '#4b5563'];

  const embedded = JSON.parse(document.getElementById('opusperf-data').textContent);
  const MODE = embedded ? 'report' : 'live';

  // ---------------------------------------------------------------- formatting

  function sig(v, digits) {
    if (!isFinite(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e15 || a < 1e-6)) return v.toExponential(digits - 1);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    const d = a >= 1 ? Math.max(0, digits - 1 - Math.floor(Math.log10(a))) : digits;
    return Number(v.toFixed(Math.min(d, 9))).toLocaleString('en-US', {maximumFractionDigits: 9});
  }
  function fmtBytes(v) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let x = Math.abs(v);
    while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
    return (v < 0 ? '-' : '') + (i === 0 ? String(Math.round(x)) : sig(x, 3)) + ' ' + units[i];
  }
  function fmtMs(v) {
    const a = Math.abs(v);
    if (a === 0) return '0 ms';
    if (a < 1e-3) return sig(v * 1e6, 3) + ' ns';
    if (a < 1) return sig(v * 1e3, 3) + ' µs';
    if (a < 1000) return sig(v, 3) + ' ms';
    return sig(v / 1000, 3) + ' s';
  }
  function fmtSeconds(v) { return fmtMs(v * 1000); }
  function unitOf(key) {
    const k = String(key).toLowerCase();
    if (k.endsWith('_bytes') || k === 'bytes' || k.endsWith('bytes')) return 'bytes';
    if (k.endsWith('_ms') || k === 'ms') return 'ms';
    if (k.endsWith('_seconds') || k.endsWith('_s')) return 'seconds';
    if (k.endsWith('_percent') || k.endsWith('percent')) return 'percent';
    if (k.includes('ratio') || k.endsWith('_share')) return 'ratio';
    return 'plain';
  }
  function fmtUnit(unit, v) {
    if (v === null || v === undefined) return '–';
    if (typeof v !== 'number') return String(v);
    switch (unit) {
      case 'bytes': return fmtBytes(v);
      case 'ms': return fmtMs(v);
      case 'seconds': return fmtSeconds(v);
      case 'percent': return sig(v, 3) + '%';
      default: return sig(v, 4);
    }
  }
  function fmtValue(key, v) {
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    return fmtUnit(unitOf(key), v);
  }
  const UNIT_TITLES = {bytes: 'sizes', ms: 'durations', seconds: 'durations', percent: 'shares (%)',
                       ratio: 'ratios', plain: 'counts and values'};

  function ptr(parts) {
    return '/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  }
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }
  function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function humanKey(k) { return String(k).replace(/_/g, ' '); }

  // A figure: label, formatted value, and where it came from in the report.
  function figure(label, pointer, key, value) {
    const v = el('span', {class: 'value', 'data-pointer': pointer, 'data-unit': unitOf(key),
                          'data-raw': typeof value === 'object' ? JSON.stringify(value) :
                                                                  String(value),
                          text: fmtValue(key, value)});
    return el('div', {class: 'kpi'}, el('span', {class: 'label', text: label}), v);
  }

  // ---------------------------------------------------------------- charts

  // A uPlot line (or bar) chart in a card that follows its container's width. x is seconds since
  // the run started (or a category index for bars).
  class Chart {
    constructor(parent, id, title, unit, opts) {
      this.unit = unit;
      this.opts = opts || {};
      this.markers = [];
      this.card = el('figure', {class: 'chart', 'data-chart': id, 'data-points': '0'},
                     el('figcaption', {text: title}));
      this.body = el('div', {class: 'plot'});
      this.card.append(this.body);
      parent.append(this.card);
      this.plot = null;
      this.labels = [];
    }
    build(labels) {
      if (this.plot) this.plot.destroy();
      this.labels = labels.slice();
      const unit = this.unit;
      const bars = this.opts.categories;
      const series = [{label: bars ? 'operation' : 'time',
                       value: (u, v) => v === null || v === undefined ? '' :
                         bars ? (bars[v] || '') : fmtSeconds(v)}];
      labels.forEach((label, i) => {
        const s = {label, stroke: PALETTE[i % PALETTE.length], width: 1.6,
                   value: (u, v) => fmtUnit(unit, v), spanGaps: true,
                   points: {show: this.opts.points || false, size: 5}};
        if (bars) {
          // Overlaid bars, each later series narrower: p99 wide and light behind, p50 in front.
          s.fill = PALETTE[i % PALETTE.length] + (i === 0 ? '66' : 'cc');
          s.paths = uPlot.paths.bars({size: [0.7 / (1 + i * 0.9), 80]});
          s.points = {show: false};
        }
        series.push(s);
      });
      const width = Math.max(260, this.body.clientWidth || this.card.clientWidth || 320);
      const self = this;
      this.plot = new uPlot({
        width, height: this.opts.height || 190,
        scales: bars ? {x: {time: false, range: () => [-0.5, bars.length - 0.5]},
                         y: {range: (u, mn, mx) => [0, mx > 0 ? mx * 1.1 : 1]}} :
                       {x: {time: false}},
        series,
        axes: [
          {values: (u, vals) => vals.map((v) => bars ? (Number.isInteger(v) ? (bars[v] || '') : '') :
                                                        sig(v, 3) + ' s'),
           size: 34, gap: 4},
          {values: (u, vals) => vals.map((v) => fmtUnit(unit, v)), gap: 4,
           size: (u, vals) => 24 + 7.5 * Math.max(3, ...(vals || []).map((v) => String(v).length))},
        ],
        legend: {live: true},
        cursor: {drag: {x: false, y: false}},
        hooks: {draw: [(u) => self.drawMarkers(u)]},
      }, [[]].concat(labels.map(() => [])), this.body);
      if (!this.observer) {
        this.observer = new ResizeObserver(() => {
          if (this.plot) this.plot.setSize({width: Math.max(260, this.body.clientWidth),
                                            height: this.opts.height || 190});
        });
        this.observer.observe(this.body);
      }
    }
    // Sets the category names of a bar chart; a change rebuilds the plot.
    setCategories(categories) {
      if (this.opts.categories && categories.join('\u0000') !== this.opts.categories.join('\u0000')) {
        this.opts.categories = categories.slice();
        this.labels = [];
      }
      return this;
    }
    // Sets the data: xs and one array of ys a label (null where there is no value).
    set(labels, xs, ys) {
      if (!this.plot || labels.join('\u0000') !== this.labels.join('\u0000')) this.build(labels);
      let points = 0;
      for (let i = 0; i < xs.length; i++) {
        if (ys.some((y) => y[i] !== null && y[i] !== undefined && isFinite(y[i]))) points++;
      }
      this.card.setAttribute('data-points', String(points));
      this.plot.setData([xs].concat(ys));
    }
    setMarkers(markers) {
      this.markers = markers;
      if (this.plot) this.plot.redraw(false);
    }
    drawMarkers(u) {
      if (!this.markers.length || this.opts.categories) return;
      const ctx = u.ctx;
      ctx.save();
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.font = `${10 * devicePixelRatio}px system-ui, sans-serif`;
      for (const m of this.markers) {
        const x = u.valToPos(m.x, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
        ctx.strokeStyle = m.color || '#9333ea';
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = m.color || '#9333ea';
        ctx.fillText(m.label.slice(0, 18), x + 3, u.bbox.top + 10 * devicePixelRatio);
      }
      ctx.restore();
      this.card.setAttribute('data-markers', String(this.markers.length));
    }
    remove() {
      if (this.plot) this.plot.destroy();
      if (this.observer) this.observer.disconnect();
      this.card.remove();
    }
  }

  // Keeps a set of charts in a container by id: creates what is new, removes what went away.
  class ChartSet {
    constructor(container) {
      this.container = container;
      this.charts = new Map();
      this.seen = new Set();
    }
    begin() { this.seen = new Set(); }
    get(id, title, unit, opts) {
      this.seen.add(id);
      let c = this.charts.get(id);
      if (!c) {
        c = new Chart(this.container, id, title, unit, opts);
        this.charts.set(id, c);
      }
      return c;
    }
    end() {
      for (const [id, c] of this.charts) {
        if (!this.seen.has(id)) { c.remove(); this.charts.delete(id); }
      }
    }
  }

  // ---------------------------------------------------------------- reading a section

  // Splits a section into figures (scalars), series, events and items; see the file comment.
  function readSection(section, base) {
    const out = {scalars: [], series: [], events: [], items: []};
    (function walk(obj, path, depth) {
      for (const [k, v] of Object.entries(obj)) {
        const p = path.concat([k]);
        if (v === null || v === undefined) continue;
        if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
          out.scalars.push({key: k, path: p, pointer: ptr(base.concat(p)), value: v});
        } else if (Array.isArray(v)) {
          readArray(k, p, v);
        } else if (isObj(v) && depth < 4) {
          walk(v, p, depth + 1);
        }
      }
    })(section, [], 0);
    function readArray(key, path, arr) {
      const objs = arr.filter(isObj);
      if (!objs.length || objs.length !== arr.length) return;
      const timeKey = TIME_KEYS.find((t) => objs.every((o) => typeof o[t] === 'number'));
      const pointer = ptr(base.concat(path));
      if (timeKey) {
        const text = objs.some((o) => Object.entries(o).some(([, v]) => typeof v === 'string'));
        (text ? out.events : out.series).push({key, path, pointer, timeKey, entries: objs});
        return;
      }
      const idKey = ID_KEYS.find((t) => objs.every((o) => typeof o[t] === 'string' ||
                                                          typeof o[t] === 'number'));
      if (idKey) out.items.push({key, path, pointer, idKey, entries: objs});
    }
    return out;
  }

  // Numeric leaves of a section for live charts: scalars (and text levels as numbers), and each
  // item's numeric fields, grouped for charting.
  function liveLeaves(read) {
    const leaves = [];
    for (const s of read.scalars) {
      let v = s.value;
      let unit = unitOf(s.key);
      if (typeof v === 'string' && v.toLowerCase() in LEVELS) { v = LEVELS[v.toLowerCase()]; unit = 'level'; }
      if (typeof v !== 'number') continue;
      leaves.push({id: s.pointer, label: s.path.join('.'), group: 'unit:' + unit, unit, value: v});
    }
    for (const it of read.items) {
      for (const o of it.entries) {
        const name = String(o[it.idKey]);
        for (const [k, v] of Object.entries(o)) {
          if (typeof v !== 'number' || k === it.idKey) continue;
          leaves.push({id: it.pointer + '/' + name + '/' + k, label: name,
                       group: 'item:' + it.path.join('.') + '.' + k, unit: unitOf(k), value: v,
                       title: humanKey(it.key) + ' · ' + humanKey(k)});
        }
      }
    }
    return leaves;
  }

  // ---------------------------------------------------------------- live history

  const history = {
    times: [],          // snapshot times, seconds since the run started
    values: new Map(),  // leaf id -> {label, group, unit, title, ys: [] aligned with times}
    system: [],         // system.series points, accumulated from the stream
  };

  function remember(t, leaves) {
    history.times.push(t);
    const n = history.times.length;
    for (const leaf of leaves) {
      let h = history.values.get(leaf.id);
      if (!h) {
        h = {label: leaf.label, group: leaf.group, unit: leaf.unit, title: leaf.title, ys: []};
        history.values.set(leaf.id, h);
      }
      while (h.ys.length < n - 1) h.ys.push(null);
      h.ys.push(leaf.value);
    }
    for (const h of history.values.values()) while (h.ys.length < n) h.ys.push(null);
    if (n > MAX_SNAPSHOTS) {
      history.times.shift();
      for (const h of history.values.values()) h.ys.shift();
    }
  }

  function changed(ys) {
    let first = null;
    for (const y of ys) {
      if (y === null || y === undefined) continue;
      if (first === null) first = y;
      else if (y !== first) return true;
    }
    return false;
  }
  function spread(ys) {
    const v = ys.filter((y) => y !== null && y !== undefined);
    if (!v.length) return 0;
    const mx = Math.max(...v);
    const mn = Math.min(...v);
    return (mx - mn) / (Math.abs(mx) + Math.abs(mn) || 1);
  }

  // Charts of the live history whose ids start with `prefix`, one a group.
  function drawLive(charts, prefix, idPrefix, markers) {
    const groups = new Map();
    for (const [id, h] of history.values) {
      if (!id.startsWith(prefix) || !changed(h.ys)) continue;
      if (!groups.has(h.group)) groups.set(h.group, []);
      groups.get(h.group).push(h);
    }
    for (const [group, hs] of groups) {
      hs.sort((a, b) => spread(b.ys) - spread(a.ys));
      const kept = hs.slice(0, MAX_LINES);
      const unit = kept[0].unit === 'level' ? 'plain' : kept[0].unit;
      const title = kept[0].title ||
        (kept[0].unit === 'level' ? 'levels (0 normal … 3 critical)' :
          'live: ' + (UNIT_TITLES[unit] || unit));
      const c = charts.get(idPrefix + '-live-' + group.replace(/[^a-z0-9]+/gi, '-'), title, unit);
      c.set(kept.map((h) => h.label), history.times.slice(), kept.map((h) => h.ys.slice()));
      c.setMarkers(markers);
    }
  }

  // ---------------------------------------------------------------- sections

  function eventLabel(e, key) {
    for (const k of ['event', 'decision', 'action', 'reason', 'kind', 'level', 'knob', 'name']) {
      if (typeof e[k] === 'string') return e[k];
    }
    return key;
  }

  // Charts of a section's recorded history: its series, and the numbers of its events at their
  // times (one line a named thing when the events name one).
  function drawRecorded(charts, idPrefix, read, markers) {
    const sources = read.series.map((s) => ({...s, points: true}))
      .concat(read.events.map((s) => ({...s, points: true})));
    for (const s of sources) {
      const entries = s.entries.slice().sort((a, b) => a[s.timeKey] - b[s.timeKey]);
      const idKey = ID_KEYS.concat(['knob', 'worker']).find((k) =>
        entries.every((e) => typeof e[k] === 'string'));
      const fields = new Map();  // unit -> Map(label -> points)
      for (const e of entries) {
        for (const [k, v] of Object.entries(e)) {
          if (typeof v !== 'number' || TIME_KEYS.includes(k)) continue;
          const unit = unitOf(k);
          const label = idKey ? e[idKey] + ' ' + humanKey(k) : humanKey(k);
          if (!fields.has(unit)) fields.set(unit, new Map());
          const m = fields.get(unit);
          if (!m.has(label)) m.set(label, []);
          m.get(label).push([e[s.timeKey] / 1000, v]);
        }
      }
      for (const [unit, m] of fields) {
        const lines = [...m.entries()].slice(0, MAX_LINES);
        const xs = [...new Set(lines.flatMap(([, pts]) => pts.map((p) => p[0])))].sort((a, b) => a - b);
        const ys = lines.map(([, pts]) => {
          const byX = new Map(pts.map((p) => [p[0], p[1]]));
          return xs.map((x) => (byX.has(x) ? byX.get(x) : null));
        });
        const c = charts.get(idPrefix + '-' + s.key + '-' + unit, humanKey(s.key) + ' · ' +
                             (UNIT_TITLES[unit] || unit), unit, {points: true});
        c.set(lines.map(([l]) => l), xs, ys);
        c.setMarkers(markers);
      }
    }
  }

  function sectionMarkers(read) {
    const markers = [];
    read.events.forEach((ev, i) => {
      for (const e of ev.entries) {
        markers.push({x: e[ev.timeKey] / 1000, label: eventLabel(e, ev.key),
                      color: PALETTE[(i + 4) % PALETTE.length]});
      }
    });
    return markers.slice(-60);
  }

  const sectionViews = new Map();

  function sectionView(name) {
    let v = sectionViews.get(name);
    if (v) return v;
    const panel = el('section', {class: 'panel component', id: 'section-' + name,
                                 'data-section': name});
    panel.append(el('h2', {text: SECTION_TITLES[name] || humanKey(name)}));
    const progress = el('div', {class: 'progress-list'});
    const kpis = el('div', {class: 'kpis'});
    const chartsEl = el('div', {class: 'charts'});
    const items = el('div', {class: 'items'});
    const events = el('div', {class: 'events'});
    const details = el('details', {class: 'all-figures'}, el('summary', {text: 'all figures'}));
    const table = el('table', {class: 'figures'});
    details.append(el('div', {class: 'table-wrap'}, table));
    panel.append(progress, kpis, chartsEl, items, events, details);
    document.getElementById('components').append(panel);
    v = {panel, progress, kpis, items, events, table, charts: new ChartSet(chartsEl)};
    sectionViews.set(name, v);
    return v;
  }

  function drawItems(container, read) {
    container.replaceChildren();
    for (const it of read.items) {
      const cols = [];
      for (const e of it.entries) {
        for (const [k, v] of Object.entries(e)) {
          if (k !== it.idKey && (typeof v !== 'object' || v === null) && !cols.includes(k)) cols.push(k);
        }
      }
      const shown = cols.slice(0, 9);
      const table = el('table', {class: 'items-table'});
      table.append(el('caption', {text: humanKey(it.key)}));
      const head = el('tr', {}, el('th', {text: humanKey(it.idKey)}));
      for (const c of shown) head.append(el('th', {text: humanKey(c)}));
      table.append(el('thead', {}, head));
      const body = el('tbody');
      it.entries.forEach((e, i) => {
        const tr = el('tr', {}, el('td', {text: String(e[it.idKey])}));
        for (const c of shown) {
          const v = e[c];
          tr.append(el('td', {'data-pointer': it.pointer + '/' + i + '/' + c,
                              'data-raw': v === undefined ? undefined : String(v),
                              'data-unit': unitOf(c), text: v === undefined ? '' : fmtValue(c, v)}));
        }
        body.append(tr);
      });
      table.append(body);
      container.append(el('div', {class: 'table-wrap'}, table));
    }
  }

  function drawEvents(container, read) {
    container.replaceChildren();
    const all = [];
    for (const ev of read.events) {
      for (const e of ev.entries) all.push({t: e[ev.timeKey], key: ev.key, e});
    }
    if (!all.length) return;
    all.sort((a, b) => b.t - a.t);
    const list = el('ol', {class: 'event-list'});
    for (const {t, key, e} of all.slice(0, 8)) {
      const text = Object.entries(e)
        .filter(([k, v]) => !TIME_KEYS.includes(k) && (typeof v !== 'object' || v === null))
        .slice(0, 6).map(([k, v]) => humanKey(k) + ' ' + fmtValue(k, v)).join(' · ');
      list.append(el('li', {}, el('span', {class: 'when', text: fmtSeconds(t / 1000)}),
                     el('span', {class: 'what', text: humanKey(key) + ': ' + text})));
    }
    container.append(el('h3', {text: 'recent events'}), list);
  }

  function drawSection(name, section) {
    const v = sectionView(name);
    const read = readSection(section, [name]);
    // Headline figures: top-level scalars and those one level down, at most 12; the rest in
    // "all figures".
    const scalars = read.scalars.filter((s) => s.key !== 'enabled');
    const headline = scalars.filter((s) => s.path.length <= 2)
      .sort((a, b) => a.path.length - b.path.length).slice(0, 12);
    v.kpis.replaceChildren(...headline.map((s) => figure(s.path.join(' › ').replace(/_/g, ' '),
                                                          s.pointer, s.key, s.value)));
    v.table.replaceChildren(...scalars.map((s) => el('tr', {},
      el('th', {text: s.path.join('.')}),
      el('td', {'data-pointer': s.pointer, 'data-raw': String(s.value),
                'data-unit': unitOf(s.key), text: fmtValue(s.key, s.value)}))));
    v.progress.replaceChildren(...scalars.filter((s) => /progress/i.test(s.key) &&
                                                        typeof s.value === 'number')
      .map((s) => {
        const pct = unitOf(s.key) === 'percent' ? s.value : s.value * 100;
        return el('div', {class: 'progress'},
                  el('span', {class: 'label', text: humanKey(s.path.join(' › '))}),
                  el('progress', {max: '100', value: String(Math.max(0, Math.min(100, pct)))}),
                  el('span', {class: 'value', 'data-pointer': s.pointer, 'data-raw': String(s.value),
                              text: sig(pct, 3) + '%'}));
      }));
    const markers = sectionMarkers(read);
    v.charts.begin();
    drawRecorded(v.charts, name, read, markers);
    if (MODE === 'live') drawLive(v.charts, ptr([name]) + '/', name, markers);
    v.charts.end();
    drawItems(v.items, read);
    drawEvents(v.events, read);
    return read;
  }

  function drawDisabled(report) {
    const off = [];
    for (const [name, s] of Object.entries(report)) {
      if (SKIP_SECTIONS.has(name) || !isObj(s) || s.enabled !== false) continue;
      off.push(el('li', {'data-section-off': name},
                  el('strong', {text: SECTION_TITLES[name] || name}),
                  ' ' + (s.reason || 'off')));
    }
    let panel = document.getElementById('components-off');
    if (!off.length) { if (panel) panel.remove(); return; }
    if (!panel) {
      panel = el('section', {class: 'panel off', id: 'components-off'},
                 el('h2', {text: 'Not running'}), el('ul'));
      document.getElementById('components').after(panel);
    }
    panel.querySelector('ul').replaceChildren(...off);
  }

  // ---------------------------------------------------------------- system and operations

  const systemCharts = new ChartSet(document.getElementById('system-charts'));
  const opCharts = new ChartSet(document.getElementById('operations-charts'));
  const metricCharts = new ChartSet(document.getElementById('metrics-charts'));

  function drawSystem(report) {
    const sys = report.system || {};
    const latest = sys.latest || {};
    const kpis = [];
    const add = (label, key) => {
      if (latest[key] !== null && latest[key] !== undefined) {
        kpis.push(figure(label, ptr(['system', 'latest', key]), key, latest[key]));
      }
    };
    add('process CPU', 'process_cpu_percent');
    add('system CPU', 'system_cpu_percent');
    add('RSS', 'rss_bytes');
    add('available memory', 'memory_available_bytes');
    add('cgroup memory', 'cgroup_memory_usage_bytes');
    add('cgroup limit', 'cgroup_memory_limit_bytes');
    add('CPUs', 'cpu_count');
    document.getElementById('system-kpis').replaceChildren(...kpis);

    const points = history.system;
    const xs = points.map((p) => p.t_ms / 1000);
    const col = (k) => points.map((p) => (typeof p[k] === 'number' ? p[k] : null));
    systemCharts.begin();
    if (points.length) {
      systemCharts.get('system-cpu', 'CPU', 'percent')
        .set(['process', 'system'], xs, [col('process_cpu_percent'), col('system_cpu_percent')]);
      systemCharts.get('system-rss', 'Resident memory (RSS)', 'bytes').set(['RSS'], xs, [col('rss_bytes')]);
      const psi = col('memory_some_avg10');
      if (psi.some((v) => v !== null)) {
        systemCharts.get('system-psi', 'Memory pressure (PSI some avg10)', 'percent')
          .set(['some avg10'], xs, [psi]);
      }
    }
    systemCharts.end();
  }

  function drawOperations(report) {
    const byName = (report.operations && report.operations.by_name) || {};
    const names = Object.keys(byName);
    const table = document.getElementById('operations-table');
    const head = el('tr', {}, ...['operation', 'calls', 'errors', 'p50', 'p99', 'max', 'CPU / call',
                                  'throughput'].map((h) => el('th', {text: h})));
    const rows = names.map((name) => {
      const s = byName[name];
      const w = s.wall_ms || {};
      const cell = (path, key, value, text) => el('td', {
        'data-pointer': ptr(['operations', 'by_name', name].concat(path)),
        'data-raw': value === undefined || value === null ? undefined : String(value),
        'data-unit': unitOf(key),
        text: text !== undefined ? text : fmtValue(key, value)});
      return el('tr', {'data-operation': name}, el('th', {text: name}),
                cell(['calls'], 'calls', s.calls), cell(['errors'], 'errors', s.errors),
                cell(['wall_ms', 'p50'], 'p50_ms', w.p50), cell(['wall_ms', 'p99'], 'p99_ms', w.p99),
                cell(['wall_ms', 'max'], 'max_ms', w.max),
                cell(['cpu_ms_mean'], 'cpu_mean_ms', s.cpu_ms_mean),
                cell(['throughput_units_per_s'], 'throughput', s.throughput_units_per_s,
                     s.units_total > 0 ? sig(s.throughput_units_per_s, 3) + ' /s' : '–'));
    });
    table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
    if (!names.length) {
      table.replaceChildren(el('tbody', {}, el('tr', {}, el('td', {text: 'no operations yet'}))));
    }

    opCharts.begin();
    if (names.length) {
      const shown = names.slice(0, 12);
      opCharts.get('operations-latency', 'Latency by operation (p50, p99)', 'ms',
                   {categories: shown, height: 170})
        .setCategories(shown)
        .set(['p99', 'p50'], shown.map((_, i) => i),
             [shown.map((n) => byName[n].wall_ms.p99), shown.map((n) => byName[n].wall_ms.p50)]);
    }
    if (MODE === 'live') {
      const lines = [];
      for (const [id, h] of history.values) {
        if (id.startsWith('/operations/') && h.ys.some((y) => y !== null)) lines.push(h);
      }
      if (lines.length && history.times.length > 1) {
        const kept = lines.slice(0, MAX_LINES);
        opCharts.get('operations-latency-live', 'Latency over time (p50, p99)', 'ms')
          .set(kept.map((h) => h.label), history.times.slice(), kept.map((h) => h.ys.slice()));
      }
    }
    opCharts.end();
  }

  function operationLeaves(report) {
    const byName = (report.operations && report.operations.by_name) || {};
    const leaves = [];
    for (const [name, s] of Object.entries(byName).slice(0, 4)) {
      for (const q of ['p50', 'p99']) {
        leaves.push({id: ptr(['operations', 'by_name', name, 'wall_ms', q]), label: name + ' ' + q,
                     group: 'ops', unit: 'ms', value: s.wall_ms[q]});
      }
    }
    return leaves;
  }

  // ---------------------------------------------------------------- registered metrics

  function metricLeaves(report) {
    const leaves = [];
    (report.metrics || []).forEach((f, fi) => {
      f.samples.forEach((s, si) => {
        const labels = Object.entries(s.labels || {}).map(([k, v]) => k + '=' + v).join(',');
        const base = ptr(['metrics', fi, 'samples', si]);
        const name = f.name + (labels ? '{' + labels + '}' : '');
        const unit = f.name.endsWith('_bytes') ? 'bytes' :
          f.name.endsWith('_seconds') ? 'seconds' : f.name.endsWith('_percent') ? 'percent' : 'plain';
        if (f.type === 'histogram') {
          for (const q of ['p50', 'p99']) {
            leaves.push({id: base + '/' + q, label: name + ' ' + q, group: 'family:' + f.name,
                         unit, value: s[q], title: f.name + ' (p50, p99)'});
          }
        } else {
          leaves.push({id: base + '/value', label: name, group: 'family:' + f.name, unit,
                       value: s.value, title: f.name});
        }
      });
    });
    return leaves;
  }

  function drawMetrics(report) {
    const families = report.metrics || [];
    const panel = document.getElementById('metrics');
    panel.hidden = !families.length;
    const rows = [];
    families.forEach((f, fi) => f.samples.forEach((s, si) => {
      const labels = Object.entries(s.labels || {}).map(([k, v]) => `${k}="${v}"`).join(', ');
      const base = ['metrics', fi, 'samples', si];
      const unitKey = f.name;
      const text = f.type === 'histogram'
        ? `n ${sig(s.count, 4)} · p50 ${fmtValue(unitKey, s.p50)} · p99 ${fmtValue(unitKey, s.p99)}`
        : fmtValue(unitKey, s.value);
      rows.push(el('tr', {}, el('th', {text: f.name + (labels ? ' {' + labels + '}' : '')}),
                   el('td', {text: f.type}),
                   el('td', {'data-pointer': ptr(base.concat([f.type === 'histogram' ? 'count' : 'value'])),
                             'data-raw': String(f.type === 'histogram' ? s.count : s.value),
                             'data-unit': f.type === 'histogram' ? 'plain' : unitOf(unitKey), text})));
    }));
    document.getElementById('metrics-table').replaceChildren(...rows);
    metricCharts.begin();
    if (MODE === 'live') {
      // Values are keyed by family index; the registry never removes a family, so indexes hold.
      const groups = new Map();
      for (const [id, h] of history.values) {
        if (!id.startsWith('/metrics/') || !changed(h.ys)) continue;
        if (!groups.has(h.group)) groups.set(h.group, []);
        groups.get(h.group).push(h);
      }
      for (const [group, hs] of [...groups].slice(0, 12)) {
        const kept = hs.slice(0, MAX_LINES);
        metricCharts.get('metric-' + group.replace(/[^a-z0-9]+/gi, '-'), kept[0].title, kept[0].unit)
          .set(kept.map((h) => h.label), history.times.slice(), kept.map((h) => h.ys.slice()));
      }
    }
    metricCharts.end();
  }

  // ---------------------------------------------------------------- the whole page

  function enabledSections(report) {
    const names = Object.keys(report).filter((k) => !SKIP_SECTIONS.has(k) && isObj(report[k]) &&
                                                    report[k].enabled === true);
    return names.sort((a, b) => {
      const ia = SECTION_ORDER.indexOf(a);
      const ib = SECTION_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
  }

  function drawHeader(report) {
    const sys = report.system || {};
    const parts = [`profile ${report.profile || '?'}`, `v${report.version || '?'}`];
    if (typeof sys.uptime_ms === 'number') parts.push('uptime ' + fmtMs(sys.uptime_ms));
    const run = document.getElementById('run');
    run.textContent = parts.join(' · ');
    run.setAttribute('data-pointer', '/system/uptime_ms');
    document.getElementById('mode').textContent = MODE === 'live' ? 'live' : 'report';
    document.body.setAttribute('data-uptime-ms', String(sys.uptime_ms || 0));
  }

  function render(report) {
    drawHeader(report);
    drawSystem(report);
    drawOperations(report);
    const names = enabledSections(report);
    for (const [name, v] of sectionViews) {
      if (!names.includes(name)) { v.panel.remove(); sectionViews.delete(name); }
    }
    for (const name of names) drawSection(name, report[name]);
    drawDisabled(report);
    drawMetrics(report);
    document.getElementById('foot').textContent =
      `${report.schema || ''} · ${MODE === 'live' ? 'updated ' + new Date().toLocaleTimeString() :
        'saved report'} · ${history.times.length} snapshot${history.times.length === 1 ? '' : 's'}`;
  }

  function takeSnapshot(report) {
    const stream = report.stream || {series: 'full'};
    const series = (report.system && report.system.series) || [];
    if (stream.series === 'full') history.system = series.slice();
    else history.system.push(...series);
    if (history.system.length > 3600) history.system.splice(0, history.system.length - 3600);
    const t = ((report.system && report.system.uptime_ms) || 0) / 1000;
    const leaves = operationLeaves(report).concat(metricLeaves(report));
    for (const name of enabledSections(report)) {
      leaves.push(...liveLeaves(readSection(report[name], [name])));
    }
    remember(t, leaves);
    render(report);
    document.body.setAttribute('data-snapshots', String(history.times.length));
    window.opusperfLatest = report;
  }

  function setStatus(state, text) {
    const s = document.getElementById('status');
    s.setAttribute('data-state', state);
    s.textContent = text;
  }

  if (MODE === 'report') {
    setStatus('report', 'saved report');
    takeSnapshot(embedded);
    document.title = 'opusperf report · ' + (embedded.profile || '');
  } else {
    const source = new EventSource('api/stream');
    source.addEventListener('snapshot', (e) => {
      setStatus('live', 'live');
      try {
        takeSnapshot(JSON.parse(e.data));
      } catch (err) {
        setStatus('error', 'bad snapshot: ' + err.message);
        throw err;
      }
    });
    source.addEventListener('error', () => {
      setStatus('disconnected', source.readyState === EventSource.CLOSED ? 'disconnected' :
                                                                           'reconnecting…');
    });
  }
})();
