// Small DOM and formatting helpers shared by the console's modules.

// el('div', {class: 'x', dataset: {id: 'a'}, onclick: fn}, child, 'text', ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(node.style, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// replaceChildren that skips null/undefined/false (which the DOM would print as text).
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const nf = new Intl.NumberFormat('en-US');
export function formatCount(n) {
  return typeof n === 'number' && Number.isFinite(n) ? nf.format(n) : '–';
}

export function formatScore(s) {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '–';
  const a = Math.abs(s);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return s.toExponential(3);
  return s.toFixed(4);
}

export function formatPercent(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '?';
  const p = v * 100;
  return p >= 10 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

export function truncate(s, n) {
  s = String(s);
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

// Pretty JSON cut to at most maxLines lines and maxChars characters.
export function prettyJson(value, { maxLines = 8, maxChars = 600 } = {}) {
  if (value === undefined) return '';
  let text = JSON.stringify(value, null, 2);
  let cut = false;
  const lines = text.split('\n');
  if (lines.length > maxLines) { text = lines.slice(0, maxLines).join('\n'); cut = true; }
  if (text.length > maxChars) { text = text.slice(0, maxChars); cut = true; }
  return cut ? text + '\n…' : text;
}

// One-line description of a metadata value for tooltips and legends.
export function shortValue(v, n = 60) {
  if (v === null) return 'null';
  if (typeof v === 'string') return truncate(v, n);
  return truncate(JSON.stringify(v), n);
}

export function metricLabel(metric) {
  return { cosine: 'cosine', euclidean: 'euclidean', 'dot-product': 'dot product' }[metric] || metric || '–';
}

// For scores: cosine is higher-is-closer, euclidean and dot-product (negated) lower-is-closer.
export function higherIsCloser(metric) { return metric === 'cosine'; }

export function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}
