// The vector-space map: a sample of an index's vectors projected on two principal components
// (POST …/map), drawn on a devicePixelRatio-aware canvas. The query and its nearest neighbours are
// DOM elements over the canvas, so they can be focused with the keyboard and found by tests.

import { el, fill, formatPercent, formatScore, shortValue, truncate } from './util.js';

// Tableau 10: distinct, colour-blind-friendly enough, calm on white.
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#7f8fa6'];
const OTHER = '#c3c9d4';
const MISSING = '#dde1e8';
const NEUTRAL = '#6366f1';
const MAX_CATEGORIES = 9;
// viridis, sampled: for numeric fields with many distinct values.
const RAMP = ['#440154', '#414487', '#2a788e', '#22a884', '#7ad151', '#fde725'];

const MARGIN = { left: 34, right: 16, top: 16, bottom: 30 };
const PAD = 0.06;            // share of each axis' range added on both sides
const HIT_RADIUS = 9;        // px: how near the cursor a point must be for its tooltip

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
function rampColor(t) {
  t = Math.min(1, Math.max(0, t));
  const f = t * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(f));
  const a = hexToRgb(RAMP[i]); const b = hexToRgb(RAMP[i + 1]);
  const u = f - i;
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * u));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
function rgba(hex, alpha) {
  const [r, g, b] = hexToRgb(hex);
  return `rgba(${r},${g},${b},${alpha})`;
}

// The value a point has for a colour field ('' = none, '$namespace' = the namespace).
export function fieldValue(point, field) {
  if (!field) return undefined;
  if (field === '$namespace') return point.namespace || undefined;
  const m = point.metadata;
  if (!m || typeof m !== 'object') return undefined;
  let v = m[field];
  if (Array.isArray(v)) v = v.length ? v[0] : undefined;
  return v;
}

// Metadata keys seen in a sample, most common first (one nested level is not expanded).
export function metadataKeys(points) {
  const counts = new Map();
  for (const p of points) {
    if (!p.metadata || typeof p.metadata !== 'object') continue;
    for (const k of Object.keys(p.metadata)) counts.set(k, (counts.get(k) || 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
}

// Picks the field that colours best: few distinct string values shared by most points.
export function bestColorField(points) {
  let best = ''; let bestScore = 0;
  for (const key of metadataKeys(points)) {
    const values = new Map(); let present = 0; let strings = 0;
    for (const p of points) {
      const v = fieldValue(p, key);
      if (v === undefined) continue;
      present++;
      if (typeof v === 'string' || typeof v === 'boolean') strings++;
      values.set(JSON.stringify(v), 1);
    }
    if (!present || values.size < 2) continue;
    const categorical = values.size <= 12 && values.size < present;
    const score = (present / points.length) * (categorical ? 2 : 0.5) * (strings / present + 0.5);
    if (score > bestScore) { best = key; bestScore = score; }
  }
  if (!best && points.some((p) => p.namespace)) best = '$namespace';
  return best;
}

// Builds a colour scale for a field over the sample: categorical or, for numbers, continuous.
function buildScale(points, field) {
  if (!field) return { kind: 'none', color: () => NEUTRAL, key: () => null, entries: [] };
  const counts = new Map(); let numeric = true; let min = Infinity; let max = -Infinity;
  for (const p of points) {
    const v = fieldValue(p, field);
    if (v === undefined) continue;
    if (typeof v === 'number') { min = Math.min(min, v); max = Math.max(max, v); } else numeric = false;
    const k = typeof v === 'string' ? v : JSON.stringify(v);
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  if (numeric && counts.size > MAX_CATEGORIES) {
    const span = max - min || 1;
    return {
      kind: 'continuous', min, max,
      color: (p) => { const v = fieldValue(p, field); return typeof v === 'number' ? rampColor((v - min) / span) : MISSING; },
      key: () => null,
      entries: [],
    };
  }
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const colors = new Map();
  sorted.slice(0, MAX_CATEGORIES).forEach(([k], i) => colors.set(k, PALETTE[i]));
  const entries = sorted.slice(0, MAX_CATEGORIES).map(([k, n]) => ({ key: k, label: k, count: n, color: colors.get(k) }));
  const other = sorted.slice(MAX_CATEGORIES).reduce((s, [, n]) => s + n, 0);
  if (other) entries.push({ key: '\u0000other', label: 'other', count: other, color: OTHER });
  const missing = points.length - sorted.reduce((s, [, n]) => s + n, 0);
  if (missing) entries.push({ key: '\u0000missing', label: '(none)', count: missing, color: MISSING });
  const keyOf = (p) => {
    const v = fieldValue(p, field);
    if (v === undefined) return '\u0000missing';
    const k = typeof v === 'string' ? v : JSON.stringify(v);
    return colors.has(k) ? k : '\u0000other';
  };
  return {
    kind: 'categorical',
    color: (p) => { const k = keyOf(p); return colors.get(k) || (k === '\u0000missing' ? MISSING : OTHER); },
    key: keyOf,
    entries,
  };
}

// "Nice" grid steps for a range.
function ticks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0)) return [];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export class VectorMap {
  // root: the .map element; legend: the legend container; callbacks: onPointClick(id), onHover(id|null)
  constructor(root, legend, { onPointClick, onHover } = {}) {
    this.root = root;
    this.legend = legend;
    this.canvas = root.querySelector('canvas');
    this.ctx = this.canvas.getContext('2d');
    this.overlay = root.querySelector('.map-overlay');
    this.tooltip = root.querySelector('.map-tooltip');
    this.xlabel = root.querySelector('.map-axis-x');
    this.ylabel = root.querySelector('.map-axis-y');
    this.message = root.querySelector('.map-message');
    this.onPointClick = onPointClick;
    this.onHover = onHover;
    this.data = null;
    this.field = '';
    this.scale = buildScale([], '');
    this.focusKey = null;      // legend category brought forward
    this.hoverId = null;       // point under the cursor / highlighted from the results list
    this.view = { k: 1, ox: 0, oy: 0 };
    this.width = 0; this.height = 0; this.dpr = 1;
    this.sx = new Float32Array(0); this.sy = new Float32Array(0);
    this.drag = null;
    this.matchEls = new Map();
    root.vectorMap = this;     // for tests and the devtools console

    new ResizeObserver(() => this.resize()).observe(root);
    this.bindPointer();
    this.resize();
  }

  // ---- data -------------------------------------------------------------------------------

  setData(result, { queryLabel = '', matchInfo = new Map() } = {}) {
    const points = Array.isArray(result.points) ? result.points : [];
    const matches = Array.isArray(result.matches) ? result.matches : [];
    const byId = new Map(points.map((p) => [p.id, p]));
    // Matches carry only coordinates; take metadata from the sample or from the query's results.
    const enriched = matches.filter((m) => Number.isFinite(m.x) && Number.isFinite(m.y)).map((m, i) => {
      const p = byId.get(m.id); const info = matchInfo.get(m.id) || {};
      return { ...m, rank: i + 1, metadata: m.metadata ?? p?.metadata ?? info.metadata, namespace: m.namespace ?? p?.namespace ?? info.namespace };
    });
    const query = result.query && Number.isFinite(result.query.x) && Number.isFinite(result.query.y) ? result.query : null;
    this.data = { ...result, points: points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)), matches: enriched, query, queryLabel };
    this.matchIds = new Set(enriched.map((m) => m.id));
    this.focusKey = null;
    this.computeBounds();
    this.view = { k: 1, ox: 0, oy: 0 };
    const ev = result.explainedVariance || [];
    this.xlabel.textContent = `PC1 (${formatPercent(ev[0])})`;
    this.ylabel.textContent = `PC2 (${formatPercent(ev[1])})`;
    this.root.dataset.pointCount = String(this.data.points.length);
    this.root.dataset.matchCount = String(enriched.length);
    this.root.dataset.hasQuery = query ? 'true' : 'false';
    this.root.dataset.state = this.data.points.length || enriched.length ? 'ready' : 'empty';
    this.setMessage(this.data.points.length || enriched.length ? '' : 'This index has no vectors yet.');
    this.setField(this.field);
  }

  clear(message = '') {
    this.data = null;
    this.matchIds = new Set();
    this.root.dataset.pointCount = '0';
    this.root.dataset.matchCount = '0';
    this.root.dataset.hasQuery = 'false';
    this.root.dataset.state = 'empty';
    this.xlabel.textContent = ''; this.ylabel.textContent = '';
    this.overlay.replaceChildren(); this.matchEls.clear();
    this.legend.replaceChildren();
    this.hideTooltip();
    this.setMessage(message);
    this.draw();
  }

  setLoading(on) { this.root.classList.toggle('is-loading', on); this.root.setAttribute('aria-busy', on ? 'true' : 'false'); }

  setMessage(text) {
    this.message.hidden = !text;
    this.message.textContent = text;
  }

  setField(field) {
    this.field = field;
    this.scale = buildScale(this.data ? this.data.points : [], field);
    this.focusKey = null;
    this.renderLegend();
    this.render();
  }

  highlight(id) {
    this.hoverId = id;
    for (const [mid, node] of this.matchEls) node.classList.toggle('is-hot', mid === id);
    this.draw();
  }

  // ---- geometry ---------------------------------------------------------------------------

  computeBounds() {
    let x0 = Infinity; let x1 = -Infinity; let y0 = Infinity; let y1 = -Infinity;
    const add = (p) => { x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y); };
    this.data.points.forEach(add); this.data.matches.forEach(add);
    if (this.data.query) add(this.data.query);
    if (!Number.isFinite(x0)) { x0 = -1; x1 = 1; y0 = -1; y1 = 1; }
    if (x1 - x0 < 1e-12) { x0 -= 1; x1 += 1; }
    if (y1 - y0 < 1e-12) { y0 -= 1; y1 += 1; }
    const px = (x1 - x0) * PAD; const py = (y1 - y0) * PAD;
    this.bounds = { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
  }

  plot() {
    return { left: MARGIN.left, top: MARGIN.top, w: Math.max(10, this.width - MARGIN.left - MARGIN.right), h: Math.max(10, this.height - MARGIN.top - MARGIN.bottom) };
  }

  // Data coordinates to CSS pixels in the canvas, with the current zoom and pan.
  toScreen(x, y) {
    const b = this.bounds; const a = this.plot(); const v = this.view;
    const bx = a.left + ((x - b.x0) / (b.x1 - b.x0)) * a.w;
    const by = a.top + (1 - (y - b.y0) / (b.y1 - b.y0)) * a.h;
    return [bx * v.k + v.ox, by * v.k + v.oy];
  }
  toData(sx, sy) {
    const b = this.bounds; const a = this.plot(); const v = this.view;
    const bx = (sx - v.ox) / v.k; const by = (sy - v.oy) / v.k;
    return [b.x0 + ((bx - a.left) / a.w) * (b.x1 - b.x0), b.y0 + (1 - (by - a.top) / a.h) * (b.y1 - b.y0)];
  }

  resize() {
    const r = this.root.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width)); const h = Math.max(1, Math.round(r.height));
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    this.width = w; this.height = h; this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr); this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`; this.canvas.style.height = `${h}px`;
    this.render();
  }

  fit() { this.view = { k: 1, ox: 0, oy: 0 }; this.render(); }

  // ---- drawing ----------------------------------------------------------------------------

  render() {
    this.project();
    this.draw();
    this.placeOverlay();
  }

  project() {
    const pts = this.data ? this.data.points : [];
    this.sx = new Float32Array(pts.length); this.sy = new Float32Array(pts.length);
    if (!this.bounds) return;
    for (let i = 0; i < pts.length; i++) {
      const [x, y] = this.toScreen(pts[i].x, pts[i].y);
      this.sx[i] = x; this.sy[i] = y;
    }
  }

  draw() {
    const { ctx, dpr } = this;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    if (!this.data || !this.bounds || (!this.data.points.length && !this.data.matches.length)) return;
    const a = this.plot();

    // Grid and the origin (PCA centres the sample, so the origin is its mean).
    ctx.save();
    ctx.beginPath(); ctx.rect(a.left, a.top, a.w, a.h); ctx.clip();
    const [dx0, dy1] = this.toData(a.left, a.top); const [dx1, dy0] = this.toData(a.left + a.w, a.top + a.h);
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(15, 23, 42, 0.055)';
    ctx.beginPath();
    for (const t of ticks(dx0, dx1, 8)) { const [x] = this.toScreen(t, 0); ctx.moveTo(Math.round(x) + 0.5, a.top); ctx.lineTo(Math.round(x) + 0.5, a.top + a.h); }
    for (const t of ticks(dy0, dy1, 6)) { const [, y] = this.toScreen(0, t); ctx.moveTo(a.left, Math.round(y) + 0.5); ctx.lineTo(a.left + a.w, Math.round(y) + 0.5); }
    ctx.stroke();
    const [ox, oy] = this.toScreen(0, 0);
    ctx.strokeStyle = 'rgba(15, 23, 42, 0.14)';
    ctx.setLineDash([3, 4]);
    ctx.beginPath();
    ctx.moveTo(Math.round(ox) + 0.5, a.top); ctx.lineTo(Math.round(ox) + 0.5, a.top + a.h);
    ctx.moveTo(a.left, Math.round(oy) + 0.5); ctx.lineTo(a.left + a.w, Math.round(oy) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);

    // Points: small and muted; brighter when nothing is queried.
    const pts = this.data.points;
    const hasQuery = !!this.data.query || this.data.matches.length > 0;
    const n = pts.length;
    const r = (n > 5000 ? 2 : n > 2000 ? 2.6 : n > 500 ? 3.2 : 4.2) * Math.min(2.2, Math.sqrt(this.view.k));
    const baseAlpha = hasQuery ? 0.5 : 0.8;
    const outline = n <= 2000;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)'; ctx.lineWidth = 1;
    const scale = this.scale;
    for (let i = 0; i < n; i++) {
      const p = pts[i];
      if (this.matchIds.has(p.id)) continue;
      let alpha = baseAlpha;
      if (this.focusKey !== null) alpha = scale.key(p) === this.focusKey ? 0.9 : 0.07;
      ctx.fillStyle = rgba(scale.color(p), alpha);
      ctx.beginPath(); ctx.arc(this.sx[i], this.sy[i], r, 0, Math.PI * 2); ctx.fill();
      if (outline) ctx.stroke();
    }

    // Query → neighbour lines, closest first drawn last (on top).
    const q = this.data.query;
    if (q) {
      const [qx, qy] = this.toScreen(q.x, q.y);
      const ms = this.data.matches;
      for (let i = ms.length - 1; i >= 0; i--) {
        const [mx, my] = this.toScreen(ms[i].x, ms[i].y);
        const hot = ms[i].id === this.hoverId;
        const t = ms.length > 1 ? 1 - i / (ms.length - 1) : 1;
        ctx.strokeStyle = hot ? 'rgba(79, 70, 229, 0.95)' : `rgba(79, 70, 229, ${0.22 + 0.38 * t})`;
        ctx.lineWidth = hot ? 2 : 1 + 0.5 * t;
        ctx.beginPath(); ctx.moveTo(qx, qy); ctx.lineTo(mx, my); ctx.stroke();
      }
    }

    // The hovered sample point gets a ring.
    if (this.hoverId && !this.matchIds.has(this.hoverId)) {
      const i = pts.findIndex((p) => p.id === this.hoverId);
      if (i >= 0) {
        ctx.fillStyle = scale.color(pts[i]);
        ctx.strokeStyle = '#0f172a'; ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.arc(this.sx[i], this.sy[i], r + 2.5, 0, Math.PI * 2); ctx.fill(); ctx.stroke();
      }
    }
    ctx.restore();

    // Plot frame.
    ctx.strokeStyle = 'rgba(15, 23, 42, 0.10)'; ctx.lineWidth = 1;
    ctx.strokeRect(a.left + 0.5, a.top + 0.5, a.w - 1, a.h - 1);
  }

  // Query marker and neighbours as positioned DOM elements (focusable, hoverable, testable).
  placeOverlay() {
    if (!this.data || !this.bounds) { this.overlay.replaceChildren(); this.matchEls.clear(); return; }
    const a = this.plot();
    const inside = (x, y) => x >= a.left - 1 && x <= a.left + a.w + 1 && y >= a.top - 1 && y <= a.top + a.h + 1;
    if (!this.overlayBuilt || this.overlayBuilt !== this.data) this.buildOverlay();
    for (const m of this.data.matches) {
      const node = this.matchEls.get(m.id);
      const [x, y] = this.toScreen(m.x, m.y);
      node.style.transform = `translate(${x}px, ${y}px)`;
      node.hidden = !inside(x, y);
    }
    if (this.queryEl) {
      const [x, y] = this.toScreen(this.data.query.x, this.data.query.y);
      this.queryEl.style.transform = `translate(${x}px, ${y}px)`;
      this.queryEl.hidden = !inside(x, y);
      this.queryEl.classList.toggle('label-left', x > a.left + a.w * 0.7);
    }
  }

  buildOverlay() {
    this.overlayBuilt = this.data;
    this.matchEls.clear();
    const nodes = [];
    const ms = this.data.matches;
    // Farthest first so the best matches sit on top.
    for (let i = ms.length - 1; i >= 0; i--) {
      const m = ms[i];
      const node = el('button', {
        type: 'button', class: `map-match${m.rank <= 3 ? ' is-top' : ''}`,
        'data-testid': 'map-match', 'data-id': m.id, 'data-rank': m.rank,
        'aria-label': `Match ${m.rank}: ${m.id}, score ${formatScore(m.score)}`,
        onmouseenter: () => { this.showTooltip(m, node); this.highlight(m.id); this.onHover?.(m.id); },
        onmouseleave: () => { this.hideTooltip(); this.highlight(null); this.onHover?.(null); },
        onfocus: () => { this.showTooltip(m, node); this.highlight(m.id); this.onHover?.(m.id); },
        onblur: () => { this.hideTooltip(); this.highlight(null); this.onHover?.(null); },
        onclick: () => this.onPointClick?.(m.id),
      });
      node.style.setProperty('--c', this.scale.color(m));
      if (m.rank <= 3) node.append(el('span', { class: 'map-match-rank', 'aria-hidden': 'true' }, String(m.rank)));
      this.matchEls.set(m.id, node);
      nodes.push(node);
    }
    this.queryEl = null;
    if (this.data.query) {
      const label = this.data.queryLabel;
      this.queryEl = el('div', { class: 'map-query', 'data-testid': 'map-query-marker', role: 'img', 'aria-label': `Query${label ? `: ${label}` : ''}` },
        el('span', { class: 'map-query-dot', 'aria-hidden': 'true' }),
        label ? el('span', { class: 'map-query-label' }, truncate(label, 42)) : null);
      nodes.push(this.queryEl);
    }
    this.overlay.replaceChildren(...nodes);
  }

  // ---- legend -----------------------------------------------------------------------------

  renderLegend() {
    const s = this.scale;
    this.overlayBuilt = null;   // match colours depend on the scale
    if (!this.data || s.kind === 'none') { this.legend.replaceChildren(); return; }
    if (s.kind === 'continuous') {
      const stops = [0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => `${rampColor(t)} ${t * 100}%`).join(', ');
      this.legend.replaceChildren(
        el('span', { class: 'legend-num' }, shortValue(s.min, 12)),
        el('span', { class: 'legend-ramp', style: { background: `linear-gradient(90deg, ${stops})` } }),
        el('span', { class: 'legend-num' }, shortValue(s.max, 12)));
      return;
    }
    this.legend.replaceChildren(...s.entries.map((e) => el('button', {
      type: 'button', class: 'legend-item', 'data-testid': 'legend-item', 'data-key': e.label,
      'aria-pressed': 'false', title: `Show only ${e.label}`,
      onclick: (ev) => {
        this.focusKey = this.focusKey === e.key ? null : e.key;
        for (const b of this.legend.querySelectorAll('.legend-item')) b.setAttribute('aria-pressed', 'false');
        ev.currentTarget.setAttribute('aria-pressed', this.focusKey === null ? 'false' : 'true');
        this.legend.classList.toggle('has-focus', this.focusKey !== null);
        this.draw();
      },
    }, el('span', { class: 'swatch', style: { background: e.color } }), el('span', { class: 'legend-label' }, truncate(e.label, 28)),
    el('span', { class: 'legend-count' }, String(e.count)))));
    this.legend.classList.remove('has-focus');
  }

  // ---- pointer ----------------------------------------------------------------------------

  nearest(x, y) {
    let best = -1; let bestD = HIT_RADIUS * HIT_RADIUS;
    for (let i = 0; i < this.sx.length; i++) {
      const dx = this.sx[i] - x; const dy = this.sy[i] - y;
      const d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best >= 0 ? this.data.points[best] : null;
  }

  bindPointer() {
    const c = this.canvas;
    const local = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener('pointerdown', (e) => {
      if (!this.data) return;
      const [x, y] = local(e);
      this.drag = { x, y, ox: this.view.ox, oy: this.view.oy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!this.data) return;
      const [x, y] = local(e);
      if (this.drag) {
        const dx = x - this.drag.x; const dy = y - this.drag.y;
        if (!this.drag.moved && dx * dx + dy * dy > 9) { this.drag.moved = true; this.hideTooltip(); this.root.classList.add('is-panning'); }
        if (this.drag.moved) { this.view.ox = this.drag.ox + dx; this.view.oy = this.drag.oy + dy; this.render(); return; }
      }
      const p = this.nearest(x, y);
      const id = p ? p.id : null;
      if (id !== this.hoverId) { this.highlight(id); this.onHover?.(id); }
      c.style.cursor = p ? 'pointer' : 'grab';
      if (p) this.showTooltip(p, null, x, y); else this.hideTooltip();
    });
    c.addEventListener('pointerup', (e) => {
      const d = this.drag; this.drag = null;
      this.root.classList.remove('is-panning');
      if (d && !d.moved) {
        const [x, y] = local(e);
        const p = this.nearest(x, y);
        if (p) this.onPointClick?.(p.id);
      }
    });
    c.addEventListener('pointerleave', () => {
      if (this.drag) return;
      this.hideTooltip();
      if (this.hoverId && !this.matchIds.has(this.hoverId)) { this.highlight(null); this.onHover?.(null); }
    });
    c.addEventListener('wheel', (e) => {
      if (!this.data) return;
      e.preventDefault();
      const [x, y] = local(e);
      const f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      const k = Math.min(40, Math.max(0.5, this.view.k * f));
      const g = k / this.view.k;
      this.view = { k, ox: x - (x - this.view.ox) * g, oy: y - (y - this.view.oy) * g };
      this.hideTooltip();
      this.render();
    }, { passive: false });
    c.addEventListener('dblclick', () => this.fit());
  }

  // ---- tooltip ----------------------------------------------------------------------------

  showTooltip(p, anchor, x, y) {
    if (anchor) {
      const r = anchor.getBoundingClientRect(); const m = this.root.getBoundingClientRect();
      x = r.left + r.width / 2 - m.left; y = r.top + r.height / 2 - m.top;
    }
    const rows = [];
    if (p.score !== undefined) rows.push(['score', formatScore(p.score)]);
    if (p.namespace) rows.push(['namespace', p.namespace]);
    const meta = p.metadata && typeof p.metadata === 'object' ? Object.entries(p.metadata) : [];
    for (const [k, v] of meta.slice(0, 8)) rows.push([k, shortValue(v, 80)]);
    if (meta.length > 8) rows.push(['…', `${meta.length - 8} more`]);
    const t = this.tooltip;
    fill(t,
      el('div', { class: 'tt-head' },
        p.rank ? el('span', { class: 'tt-rank' }, `#${p.rank}`) : null,
        el('span', { class: 'swatch', style: { background: this.scale.color(p) } }),
        el('span', { class: 'tt-id', 'data-testid': 'map-tooltip-id' }, truncate(p.id, 64))),
      rows.length ? el('dl', { class: 'tt-rows' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])) : null);
    t.hidden = false;
    t.dataset.id = p.id;
    const tw = t.offsetWidth; const th = t.offsetHeight;
    let left = x + 14; let top = y + 14;
    if (left + tw > this.width - 6) left = x - tw - 14;
    if (top + th > this.height - 6) top = y - th - 14;
    t.style.left = `${Math.max(6, left)}px`; t.style.top = `${Math.max(6, top)}px`;
  }

  hideTooltip() { this.tooltip.hidden = true; delete this.tooltip.dataset.id; }
}
