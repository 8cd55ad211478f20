// semble console: index list, vector browser, query panel and the vector-space map.
// Plain ES modules, no dependencies; talks to the server it is served from.

import { ApiError, createApi } from './api.js';
import { VectorMap, bestColorField, metadataKeys } from './map.js';
import { debounce, el, fill, formatCount, formatPercent, formatScore, higherIsCloser, metricLabel, prettyJson, shortValue, truncate } from './util.js';

const TOKEN_KEY = 'semble.console.token';
const INDEX_KEY = 'semble.console.index';
const PAGE_SIZE = 50;
const MAP_SAMPLE = 1000;
const QUERY_METADATA_TOPK = 20;   // Vectorize caps topK at 20 with returnMetadata "all"

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

const state = {
  token: '',
  indexes: [],            // [{name, description, config, created_on, info?, infoError?}]
  selected: null,         // name
  mode: 'text',
  rank: 'vector',         // how the query ranks: vector, keyword or hybrid (the API's "mode")
  gen: 0,                 // bumps on every index selection; stale responses are dropped
  queryGen: 0,
  browse: { cursors: [null], page: 0, next: null, total: null },
  lastMapBody: null,
  lastMatches: new Map(), // id -> {metadata, namespace} of the last query's results
  authFailed: false,
};

let api;
let map;

// ---- helpers ----------------------------------------------------------------------------------

function showError(testid, err) {
  const box = $(testid);
  if (!err) { box.hidden = true; box.replaceChildren(); return; }
  const e = err instanceof ApiError ? err : new ApiError(0, [], String(err && err.message ? err.message : err));
  const code = e.code !== undefined ? el('span', { class: 'err-code' }, `${e.code}`) : null;
  const status = e.status ? el('span', { class: 'err-status' }, `HTTP ${e.status}`) : null;
  box.replaceChildren(
    icon('<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/></svg>'),
    el('div', { class: 'err-body' },
      el('span', { class: 'err-message', 'data-testid': 'error-message' }, e.message),
      (code || status) ? el('span', { class: 'err-meta' }, status, code) : null));
  box.hidden = false;
}

function icon(svg) {
  const span = el('span', { class: 'icon', 'aria-hidden': 'true' });
  span.innerHTML = svg;
  return span;
}

function selectedIndex() { return state.indexes.find((i) => i.name === state.selected) || null; }

function setBusy(node, busy) {
  node.classList.toggle('is-busy', busy);
  node.setAttribute('aria-busy', busy ? 'true' : 'false');
}

// ---- auth -------------------------------------------------------------------------------------

function onAuthError(err) {
  state.authFailed = true;
  const banner = $('auth-message');
  const title = banner.querySelector('.auth-title');
  const text = banner.querySelector('.auth-text');
  if (err.status === 403) {
    title.textContent = 'This token is not allowed to do that';
    text.textContent = `The server refused the token (${err.message}). Use a token with more rights.`;
  } else if (state.token) {
    title.textContent = 'The server did not accept this token';
    text.replaceChildren('Check the ', el('label', { for: 'token-input', class: 'link-like' }, 'API token'),
      ' above (a read or write token from the server\u2019s tokens file) and press Connect.');
  } else {
    title.textContent = 'An API token is needed';
    text.replaceChildren('This server requires a token. Paste a ', el('strong', {}, 'read'), ' or ', el('strong', {}, 'write'),
      ' token in the ', el('label', { for: 'token-input', class: 'link-like' }, 'API token'), ' field above and press Connect.');
  }
  banner.hidden = false;
  banner.dataset.status = String(err.status);
  $('token-form').classList.add('needs-attention');
  setServerStatus('auth', err.status === 403 ? 'Token lacks rights' : 'Token needed');
  if (err.status === 401) {
    $('workspace').hidden = true;
    $('welcome').hidden = true;
  }
}

function clearAuthError() {
  if (!state.authFailed) return;
  state.authFailed = false;
  $('auth-message').hidden = true;
  $('token-form').classList.remove('needs-attention');
  setServerStatus('ok', 'Connected');
}

function setServerStatus(kind, text) {
  const s = $('server-status');
  s.dataset.state = kind;
  s.querySelector('.server-status-text').textContent = text;
}

async function checkHealth() {
  try {
    const h = await api.health();
    if (!state.authFailed) setServerStatus('ok', `Connected \u00b7 ${formatCount(h.indexes)} ${h.indexes === 1 ? 'index' : 'indexes'}`);
  } catch {
    setServerStatus('down', 'Server unreachable');
  }
}

// ---- index list -------------------------------------------------------------------------------

async function loadIndexes() {
  const list = $('index-list');
  setBusy(list, true);
  showError('index-error', null);
  let indexes;
  try {
    indexes = await api.listIndexes();
  } catch (e) {
    setBusy(list, false);
    if (!e.isAuth) showError('index-error', e);
    state.indexes = [];
    renderIndexList();
    return;
  }
  setBusy(list, false);
  clearAuthError();
  state.indexes = (indexes || []).map((ix) => ({ ...ix }));
  state.indexes.sort((a, b) => (a.name < b.name ? -1 : 1));
  renderIndexList();
  await Promise.all(state.indexes.map(async (ix) => {
    try { ix.info = await api.info(ix.name); ix.infoError = null; } catch (e) { ix.infoError = e; }
    renderIndexItem(ix);
    if (ix.name === state.selected) renderHeader();
  }));
  checkHealth();
  const wanted = state.selected || decodeURIComponent((location.hash.match(/^#index=(.+)$/) || [])[1] || '') || localStorage.getItem(INDEX_KEY);
  if (wanted && state.indexes.some((i) => i.name === wanted)) {
    if (wanted !== state.selected || $('workspace').hidden) selectIndex(wanted);
  } else {
    state.selected = null;
    $('workspace').hidden = true;
    $('welcome').hidden = state.authFailed;
  }
}

function renderIndexList() {
  const list = $('index-list');
  list.replaceChildren(...state.indexes.map((ix) => {
    const li = el('li', { class: 'index-li' });
    li.append(el('button', { type: 'button', class: 'index-item', 'data-testid': 'index-item', 'data-index-name': ix.name,
      onclick: () => selectIndex(ix.name) }));
    ix.node = li.firstChild;
    fillIndexItem(ix);
    return li;
  }));
  $('index-empty').hidden = state.indexes.length > 0 || state.authFailed;
  $('welcome').hidden = state.authFailed || !!state.selected;
}

function renderIndexItem(ix) { if (ix.node) fillIndexItem(ix); }

function fillIndexItem(ix) {
  const c = ix.config || {};
  const type = (ix.info && ix.info.indexType) || c.indexType || '';
  const count = ix.info ? formatCount(ix.info.vectorCount) : ix.infoError ? '!' : '…';
  const node = ix.node;
  node.setAttribute('aria-current', ix.name === state.selected ? 'true' : 'false');
  fill(node,
    el('span', { class: 'index-item-top' },
      el('span', { class: 'index-name' }, ix.name),
      el('span', { class: 'index-count', title: 'vectors', 'data-testid': 'index-count' }, count)),
    el('span', { class: 'index-meta' }, `${c.dimensions ?? '?'}d \u00b7 ${metricLabel(c.metric)} \u00b7 ${type.split(',')[0] || '–'}`),
    c.model ? el('span', { class: 'index-model' }, el('span', { class: 'model-dot', 'aria-hidden': 'true' }), c.model) : null,
    ix.info && ix.info.unindexedVectors > 0 ? el('span', { class: 'index-pending' }, `${formatCount(ix.info.unindexedVectors)} indexing`) : null);
  node.setAttribute('aria-label', `${ix.name}: ${c.dimensions} dimensions, ${c.metric}, ${ix.info ? ix.info.vectorCount : 'unknown'} vectors${c.model ? `, model ${c.model}` : ''}`);
}

// ---- selection --------------------------------------------------------------------------------

function selectIndex(name) {
  state.selected = name;
  state.gen++;
  localStorage.setItem(INDEX_KEY, name);
  if (location.hash !== `#index=${encodeURIComponent(name)}`) history.replaceState(null, '', `#index=${encodeURIComponent(name)}`);
  for (const ix of state.indexes) if (ix.node) ix.node.setAttribute('aria-current', ix.name === name ? 'true' : 'false');
  $('welcome').hidden = true;
  $('workspace').hidden = false;
  const ix = selectedIndex();
  renderHeader();
  // Query modes: text only with a model.
  const hasModel = !!(ix.config && ix.config.model);
  const textRadio = $('query-mode-text');
  textRadio.disabled = !hasModel;
  textRadio.closest('.seg').title = hasModel ? '' : 'This index has no model: query by vector id or raw vector';
  // Keyword and hybrid ranking only with a text index.
  const hasText = !!(ix.config && ix.config.textIndex);
  for (const r of ['keyword', 'hybrid']) {
    const radio = $(`query-rank-${r}`);
    radio.disabled = !hasText;
    radio.closest('.seg').title = hasText ? '' : 'This index has no text index (enable it with POST …/text_index or `semble vectorize text-index`)';
  }
  setRank('vector');
  setMode(hasModel ? 'text' : 'vectorId', { keepValue: false });
  showError('query-error', null);
  clearResults();
  state.lastMatches = new Map();
  state.browse = { cursors: [null], page: 0, next: null, total: null };
  loadBrowse();
  state.lastMapBody = { sample: MAP_SAMPLE };
  loadMap(state.lastMapBody, '');
  // Refresh the info (vector counts move).
  const gen = state.gen;
  api.info(name).then((info) => { ix.info = info; ix.infoError = null; renderIndexItem(ix); if (gen === state.gen) renderHeader(); }, () => {});
}

function renderHeader() {
  const ix = selectedIndex();
  if (!ix) return;
  const c = ix.config || {};
  const info = ix.info || {};
  $('index-title').textContent = ix.name;
  const desc = [ix.description, ix.created_on ? `created ${new Date(ix.created_on).toLocaleString()}` : ''].filter(Boolean).join(' \u00b7 ');
  $('index-description').textContent = desc;
  const badges = [];
  if (c.model) badges.push(el('span', { class: 'badge badge-model', title: `Text is embedded with ${c.model}${c.pooling ? ` (${c.pooling} pooling)` : ''}` }, c.model));
  $('index-badges').replaceChildren(...badges);
  const type = info.indexType || c.indexType || '–';
  const stat = (label, value, { testid, tone, title } = {}) => el('div', { class: `stat${tone ? ` stat-${tone}` : ''}`, title },
    el('dt', {}, label), el('dd', { 'data-testid': testid }, ...[value].flat().filter((v) => v !== null)));
  const unindexed = info.unindexedVectors ?? 0;
  $('index-stats').replaceChildren(
    stat('Vectors', ix.info ? formatCount(info.vectorCount) : '…', { testid: 'stat-vectors' }),
    stat('Dimensions', formatCount(c.dimensions ?? info.dimensions), { testid: 'stat-dimensions' }),
    stat('Metric', metricLabel(c.metric), { testid: 'stat-metric' }),
    stat('Index type', [type.split(',')[0], type.includes(',') ? el('span', { class: 'stat-sub' }, type.split(',').slice(1).join(' \u00b7 ')) : null], { testid: 'stat-type', title: type }),
    stat('Model', c.model || '—', { testid: 'stat-model', title: c.model ? `${c.model}${c.pooling ? `, ${c.pooling} pooling` : ''}` : 'No model: vectors only' }),
    stat('Unindexed', formatCount(unindexed), { testid: 'stat-unindexed', tone: unindexed > 0 ? 'warn' : '', title: 'Vectors written but not yet linked into the graph (searched exactly meanwhile)' }));
  if (ix.infoError) showError('query-error', ix.infoError);
}

// ---- query form -------------------------------------------------------------------------------

const MODE_UI = {
  text: { label: 'Text', placeholder: 'Describe what you are looking for, e.g. a dog playing in the park', type: 'text' },
  vectorId: { label: 'Vector id', placeholder: 'id of a stored vector', type: 'text' },
  vector: { label: 'Raw vector', placeholder: '0.12, -0.04, 0.33, …', type: 'text' },
};

// How the query ranks. Keyword: the input is the keywords. Hybrid: the input is the keywords, and
// the vector side is their embedding (indexes with a model) or the stored vector named in the
// hybrid options; the fusion options show. The input is text in both, so "Query by" hides.
function setRank(rank) {
  const wasVector = state.rank === 'vector';
  state.rank = rank;
  for (const r of document.querySelectorAll('input[name="rank"]')) r.checked = r.value === rank;
  for (const s of document.querySelectorAll('[data-testid="query-rank"] .seg')) s.classList.toggle('is-active', s.dataset.rank === rank);
  $('hybrid-options').hidden = rank !== 'hybrid';
  $('hybrid-vector-field').hidden = rank !== 'hybrid';
  $('query-mode').hidden = rank !== 'vector';
  updateAlpha();
  if (rank !== 'vector') {
    setMode('text', { keepValue: state.mode === 'text' });
  } else if (!wasVector) {
    const ix = selectedIndex();
    setMode(ix && ix.config && ix.config.model ? 'text' : 'vectorId', { keepValue: false });
  } else {
    setMode(state.mode);
  }
}

function updateAlpha() {
  $('alpha-field').hidden = state.rank !== 'hybrid' || $('query-fusion').value !== 'weighted';
}

function setMode(mode, { keepValue = true } = {}) {
  state.mode = mode;
  for (const r of document.querySelectorAll('input[name="mode"]')) r.checked = r.value === mode;
  for (const s of document.querySelectorAll('[data-testid="query-mode"] .seg')) s.classList.toggle('is-active', s.dataset.mode === mode);
  const ui = MODE_UI[mode];
  const ix = selectedIndex();
  const c = (ix && ix.config) || {};
  const keywords = state.rank !== 'vector' && mode === 'text';
  $('query-input-label').textContent = keywords ? 'Keywords' : ui.label;
  const input = $('query-input');
  input.placeholder = keywords ? 'Words to look for, e.g. golden retriever' : ui.placeholder;
  if (!keepValue) input.value = '';
  input.classList.toggle('mono', mode !== 'text');
  // The text mode is open to keyword ranking on any index; embedding it needs a model.
  const textRadio = $('query-mode-text');
  textRadio.disabled = !c.model && state.rank === 'vector';
  let hint = {
    text: c.model ? `Embedded on the server with ${c.model}.` : '',
    vectorId: 'Finds the neighbours of a stored vector (it is its own best match). Tip: click a point on the map.',
    vector: `${c.dimensions ?? '?'} numbers separated by commas.`,
  }[mode];
  if (state.rank === 'keyword') hint = 'Ranked by BM25 over the records\u2019 text' + (c.textIndex && c.textIndex.fields && c.textIndex.fields.length ? ` and ${c.textIndex.fields.join(', ')}.` : '.');
  if (state.rank === 'hybrid') hint = c.model ? `Keywords fused with their embedding (${c.model}), or with the vector id below.` : 'Keywords fused with the stored vector whose id you give below (this index has no model).';
  $('query-hint').textContent = hint;
}

function parseFilter() {
  const ta = $('query-filter');
  const text = ta.value.trim();
  const err = $('filter-error');
  if (!text) { err.textContent = ''; ta.removeAttribute('aria-invalid'); return { ok: true, value: undefined }; }
  try {
    const v = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('a filter is a JSON object, e.g. {"topic": "dogs"}');
    err.textContent = ''; ta.removeAttribute('aria-invalid');
    return { ok: true, value: v };
  } catch (e) {
    err.textContent = `Invalid JSON: ${e.message}`;
    ta.setAttribute('aria-invalid', 'true');
    return { ok: false };
  }
}

function autoGrow(ta) {
  ta.style.height = 'auto';
  ta.style.height = `${Math.min(ta.scrollHeight + 2, 160)}px`;
}

// Builds {body, label} for the query/map requests, or throws an Error with a message for the user.
function buildQuery() {
  const ix = selectedIndex();
  const c = ix.config || {};
  const raw = $('query-input').value.trim();
  const body = {};
  let label = '';
  if (state.rank !== 'vector') {
    // Keywords in the input; hybrid's vector side is the embedded keywords, or a stored vector.
    if (!raw) throw new Error('Type the keywords to search for.');
    body.mode = state.rank;
    label = `\u201c${raw}\u201d`;
    body.text = raw;
    if (state.rank === 'hybrid') {
      const id = $('query-hybrid-vector-id').value.trim();
      if (id) {
        body.vectorId = id;
        label = `\u201c${raw}\u201d + ${id}`;
      } else if (!c.model) {
        throw new Error('This index has no model to embed the keywords: give a vector id for the vector side.');
      }
      body.fusion = $('query-fusion').value;
      if (body.fusion === 'weighted') {
        const alpha = Number($('query-alpha').value);
        if (!(alpha >= 0 && alpha <= 1)) throw new Error('Alpha is a number from 0 to 1.');
        body.alpha = alpha;
      }
    }
  } else if (state.mode === 'text') {
    if (!raw) throw new Error('Type some text to search for.');
    body.text = raw; label = `\u201c${raw}\u201d`;
  } else if (state.mode === 'vectorId') {
    if (!raw) throw new Error('Enter the id of a stored vector.');
    body.vectorId = raw; label = raw;
  } else {
    if (!raw) throw new Error('Enter a vector: numbers separated by commas.');
    const parts = raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
    const values = parts.map(Number);
    const bad = parts.findIndex((p, i) => !Number.isFinite(values[i]));
    if (bad >= 0) throw new Error(`"${truncate(parts[bad], 20)}" is not a number.`);
    if (c.dimensions && values.length !== c.dimensions) throw new Error(`The vector has ${values.length} numbers; this index has ${c.dimensions} dimensions.`);
    body.vector = values; label = 'vector';
  }
  const topK = Number($('query-topk').value || 10);
  if (!Number.isInteger(topK) || topK < 1 || topK > 100) throw new Error('Top K is a whole number from 1 to 100.');
  body.topK = topK;
  const ns = $('query-namespace').value.trim();
  if (ns) body.namespace = ns;
  const f = parseFilter();
  if (!f.ok) throw new Error('The filter is not valid JSON.');
  if (f.value) body.filter = f.value;
  const groupBy = $('query-group-by').value.trim();
  if (groupBy) {
    const size = Number($('query-group-size').value || 3);
    if (!Number.isInteger(size) || size < 1 || size > 100) throw new Error('Per group is a whole number from 1 to 100.');
    body.groupBy = groupBy;
    body.groupSize = size;
  }
  return { body, label };
}

// What the map is asked for with a query: it places a vector query among the points, and
// highlights a keyword query's matches only (they have no point of their own).
function mapBodyOf(body) {
  const mapBody = { sample: MAP_SAMPLE };
  if (body.mode === 'keyword') return mapBody;
  for (const k of ['vector', 'vectorId', 'text', 'topK', 'namespace', 'filter']) if (body[k] !== undefined) mapBody[k] = body[k];
  if (body.mode === 'hybrid' && body.vectorId) delete mapBody.text;
  return mapBody;
}

async function runQuery() {
  const ix = selectedIndex();
  if (!ix) return;
  showError('query-error', null);
  let q;
  try { q = buildQuery(); } catch (e) { showError('query-error', e); return; }
  const gen = state.gen; const qgen = ++state.queryGen;
  const submit = $('query-submit');
  setBusy(submit, true); submit.disabled = true;
  const queryBody = { ...q.body, returnMetadata: q.body.topK <= QUERY_METADATA_TOPK ? 'all' : 'none' };
  const mapBody = mapBodyOf(q.body);
  const queryP = (async () => {
    const r = await api.query(ix.name, queryBody);
    if (queryBody.returnMetadata === 'none' && r.matches && r.matches.length) {
      // Over 20 results: fetch the metadata separately.
      const recs = await api.getByIds(ix.name, r.matches.map((m) => m.id));
      const byId = new Map(recs.map((v) => [v.id, v]));
      for (const m of r.matches) { const v = byId.get(m.id); if (v) { m.metadata = v.metadata; m.namespace = v.namespace; } }
    }
    return r;
  })();
  const [qr] = await Promise.allSettled([queryP]);
  if (gen !== state.gen || qgen !== state.queryGen) return;
  let matchInfo = new Map();
  if (qr.status === 'fulfilled') {
    renderResults(qr.value, q.label);
    matchInfo = new Map((qr.value.matches || []).map((m) => [m.id, { metadata: m.metadata, namespace: m.namespace }]));
    state.lastMatches = matchInfo;
  } else {
    clearResults();
    showError('query-error', qr.reason);
  }
  setBusy(submit, false); submit.disabled = false;
  // The map runs after the query so both don't embed the text at once on a small server.
  // An empty index has nothing to map (and a query would have nothing to land among).
  if (map.data && map.data.totalCount === 0 && qr.status === 'fulfilled' && !(qr.value.matches || []).length) return;
  state.lastMapBody = mapBody;
  await loadMap(mapBody, q.label, matchInfo);
}

// ---- results ----------------------------------------------------------------------------------

function clearResults() {
  $('results').replaceChildren();
  $('results-count').hidden = true;
  const empty = $('results-empty');
  empty.hidden = false;
  empty.textContent = 'Run a query to see the nearest vectors here and on the map.';
}

function renderResults(result, label) {
  const ix = selectedIndex();
  const metric = ix && ix.config ? ix.config.metric : 'cosine';
  // Keyword (BM25) and hybrid (fused) scores are higher-is-better whatever the metric.
  const fused = state.rank !== 'vector';
  const matches = result.matches || [];
  const count = $('results-count');
  count.hidden = false;
  count.textContent = `${matches.length} ${matches.length === 1 ? 'match' : 'matches'}`;
  const empty = $('results-empty');
  empty.hidden = matches.length > 0;
  empty.textContent = `Nothing matched ${label || 'the query'}${$('query-filter').value.trim() ? ' with this filter' : ''}.`;
  // Score bars: cosine maps [-1,1]→[0,1]; distances scale between the best and worst shown.
  const scores = matches.map((m) => m.score);
  const lo = Math.min(...scores); const hi = Math.max(...scores);
  const frac = (s) => {
    if (fused) return hi > 0 ? Math.max(0.02, Math.min(1, s / hi)) : 0.02;
    if (higherIsCloser(metric)) return Math.max(0.02, Math.min(1, s));
    return hi === lo ? 1 : Math.max(0.04, 1 - 0.9 * (s - lo) / (hi - lo));
  };
  const scoreTitle = fused ? (state.rank === 'keyword' ? 'score (BM25, higher is better)' : 'score (fused, higher is better)')
    : `score (${metricLabel(metric)}${higherIsCloser(metric) ? ', higher is closer' : ', lower is closer'})`;
  const row = (m, i) => {
    const meta = m.metadata && typeof m.metadata === 'object' ? Object.entries(m.metadata) : [];
    const li = el('li', { class: 'result', 'data-testid': 'result-row', 'data-id': m.id, 'data-rank': i + 1, tabindex: '-1',
      onmouseenter: () => map.highlight(m.id), onmouseleave: () => map.highlight(null) },
    el('span', { class: 'result-rank', 'aria-label': `rank ${i + 1}` }, String(i + 1)),
    el('div', { class: 'result-body' },
      el('div', { class: 'result-top' },
        el('span', { class: 'result-id', 'data-testid': 'result-id', title: m.id }, m.id),
        m.namespace ? el('span', { class: 'pill pill-ns', title: 'namespace' }, m.namespace) : null,
        el('span', { class: 'result-score', 'data-testid': 'result-score', title: scoreTitle }, formatScore(m.score))),
      el('div', { class: 'score-bar', 'aria-hidden': 'true' }, el('span', { style: { width: `${(frac(m.score) * 100).toFixed(1)}%` } })),
      meta.length ? metaChips(m.metadata, 6) : null,
      meta.length > 6 ? el('details', { class: 'result-more' }, el('summary', {}, `all metadata (${meta.length} keys)`), el('pre', {}, prettyJson(m.metadata, { maxLines: 40, maxChars: 4000 }))) : null),
    el('button', { type: 'button', class: 'icon-btn result-similar', title: `Find vectors similar to ${m.id}`, 'aria-label': `Find vectors similar to ${m.id}`,
      onclick: () => queryById(m.id) }, similarIcon()));
    return li;
  };
  if (!Array.isArray(result.groups)) {
    $('results').replaceChildren(...matches.map(row));
    return;
  }
  // Groups: a heading with the group's key (the property's JSON value), then its matches.
  count.textContent = `${result.groups.length} ${result.groups.length === 1 ? 'group' : 'groups'}, ${count.textContent}`;
  const items = [];
  let rank = 0;
  for (const g of result.groups) {
    items.push(el('li', { class: 'result-group', 'data-testid': 'result-group', 'data-key': JSON.stringify(g.key), role: 'presentation' },
      el('span', {}, $('query-group-by').value.trim()), el('span', { class: 'group-key', 'data-testid': 'group-key' }, JSON.stringify(g.key)),
      el('span', { class: 'muted' }, `${g.matches.length}`)));
    for (const m of g.matches) items.push(row(m, rank++));
  }
  $('results').replaceChildren(...items);
}

// Metadata as key/value chips (at most `max`, then "+N"); the full pretty JSON is the title.
function metaChips(metadata, max) {
  const entries = Object.entries(metadata);
  const box = el('div', { class: 'kv', title: prettyJson(metadata, { maxLines: 40, maxChars: 2000 }) },
    entries.slice(0, max).map(([k, v]) => el('span', { class: 'kv-item' },
      el('span', { class: 'kv-k' }, k), el('span', { class: 'kv-v', 'data-testid': `meta-${k}` }, shortValue(v, 48)))));
  if (entries.length > max) box.append(el('span', { class: 'kv-more muted' }, `+${entries.length - max}`));
  return box;
}

function similarIcon() {
  return icon('<svg viewBox="0 0 24 24"><circle cx="7" cy="12" r="3"/><circle cx="17" cy="6" r="2.2"/><circle cx="17" cy="18" r="2.2"/><path d="M9.7 10.7 15 7.2M9.7 13.3l5.3 3.5"/></svg>');
}

function queryById(id) {
  setRank('vector');
  setMode('vectorId');
  $('query-input').value = id;
  runQuery();
  $('query-form').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

// ---- map --------------------------------------------------------------------------------------

async function loadMap(body, label, matchInfo = new Map()) {
  const ix = selectedIndex();
  if (!ix) return;
  const gen = state.gen;
  map.setLoading(true);
  showError('map-error', null);
  try {
    const result = await api.map(ix.name, body);
    if (gen !== state.gen || body !== state.lastMapBody) return;
    map.setData(result, { queryLabel: label, matchInfo });
    updateColorSelect(result.points || []);
    const ev = result.explainedVariance || [];
    const both = (ev[0] || 0) + (ev[1] || 0);
    const total = result.totalCount ?? ix.info?.vectorCount;
    const parts = [];
    if (!(result.points || []).length && !(result.matches || []).length) {
      $('map-summary').textContent = total ? 'No vector in the sample' : 'Nothing to map yet';
      return;
    }
    parts.push((result.count ?? (result.points || []).length) < (total ?? 0)
      ? `${formatCount(result.count ?? result.points.length)} of ${formatCount(total)} vectors (a sample)`
      : `${formatCount(result.count ?? (result.points || []).length)} vectors`);
    parts.push(`${(result.method || 'pca').toUpperCase()}: the two axes explain ${formatPercent(both)} of the variance`);
    $('map-summary').textContent = parts.join(' \u00b7 ');
    $('map-summary').title = 'Scroll to zoom, drag to pan, double-click to fit; click a point to query by it';
  } catch (e) {
    if (gen !== state.gen) return;
    map.clear(e.code === 7000 || e.status === 404 && e.code !== 3000 ? 'This server has no map endpoint.' : 'The map could not be drawn.');
    $('map-summary').textContent = '\u00a0';
    if (!e.isAuth) showError('map-error', e);
  } finally {
    if (gen === state.gen) map.setLoading(false);
  }
}

function updateColorSelect(points) {
  const sel = $('map-color-by');
  const keys = metadataKeys(points);
  const hasNs = points.some((p) => p.namespace);
  const prev = sel.value;
  const opts = [el('option', { value: '' }, 'nothing')];
  for (const k of keys) opts.push(el('option', { value: k }, `metadata.${k}`));
  if (hasNs) opts.push(el('option', { value: '$namespace' }, 'namespace'));
  sel.replaceChildren(...opts);
  const valid = new Set(['', ...keys, ...(hasNs ? ['$namespace'] : [])]);
  const choice = sel.dataset.userChoice !== undefined && valid.has(prev) && sel.dataset.index === state.selected ? prev : bestColorField(points);
  sel.value = valid.has(choice) ? choice : '';
  sel.dataset.index = state.selected;
  map.setField(sel.value);
}

// ---- browse -----------------------------------------------------------------------------------

async function loadBrowse() {
  const ix = selectedIndex();
  if (!ix) return;
  const gen = state.gen;
  const b = state.browse;
  const body = $('browse-table').querySelector('tbody');
  setBusy($('browse-table'), true);
  showError('browse-error', null);
  try {
    const page = await api.list(ix.name, { count: PAGE_SIZE, cursor: b.cursors[b.page] || undefined });
    const ids = (page.vectors || []).map((v) => v.id);
    const records = ids.length ? await api.getByIds(ix.name, ids) : [];
    if (gen !== state.gen) return;
    b.next = page.isTruncated ? page.nextCursor : null;
    b.total = page.totalCount;
    const byId = new Map(records.map((r) => [r.id, r]));
    body.replaceChildren(...ids.map((id) => browseRow(id, byId.get(id))));
    if (!ids.length) body.replaceChildren(el('tr', {}, el('td', { colspan: '5', class: 'table-empty muted' }, 'This index has no vectors yet.')));
    const from = b.page * PAGE_SIZE + 1;
    $('browse-summary').textContent = ids.length
      ? `${formatCount(from)}\u2013${formatCount(from + ids.length - 1)} of ${formatCount(page.totalCount)}, by id`
      : `${formatCount(page.totalCount ?? 0)} vectors`;
    $('browse-page').textContent = ids.length ? `page ${b.page + 1}` : '';
    $('browse-prev').disabled = b.page === 0;
    $('browse-next').disabled = !b.next;
    if (ix.info && page.totalCount !== undefined && ix.info.vectorCount !== page.totalCount) {
      ix.info.vectorCount = page.totalCount; renderIndexItem(ix); renderHeader();
    }
  } catch (e) {
    if (gen !== state.gen) return;
    body.replaceChildren();
    if (!e.isAuth) showError('browse-error', e);
  } finally {
    if (gen === state.gen) setBusy($('browse-table'), false);
  }
}

function browseRow(id, rec) {
  const values = rec && Array.isArray(rec.values) ? rec.values : null;
  const valuesText = values ? values.slice(0, 4).map((v) => (Math.round(v * 1e4) / 1e4).toString()).join(', ') + (values.length > 4 ? ', \u2026' : '') : '–';
  return el('tr', { 'data-testid': 'browse-row', 'data-id': id },
    el('td', { class: 'cell-id' }, el('span', { class: 'mono', title: id }, id)),
    el('td', {}, rec && rec.namespace ? el('span', { class: 'pill pill-ns' }, rec.namespace) : el('span', { class: 'muted' }, '—')),
    el('td', { class: 'cell-meta' }, rec && rec.metadata && Object.keys(rec.metadata).length
      ? metaChips(rec.metadata, 5)
      : el('span', { class: 'muted' }, rec ? '—' : 'deleted')),
    el('td', { class: 'cell-values mono' }, valuesText, values ? el('span', { class: 'values-dim muted' }, ` (${values.length})`) : null),
    el('td', { class: 'cell-actions' }, el('button', { type: 'button', class: 'btn btn-ghost btn-xs', 'aria-label': `Find vectors similar to ${id}`,
      onclick: () => queryById(id) }, similarIcon(), el('span', {}, 'Similar'))));
}

// ---- wiring -----------------------------------------------------------------------------------

function init() {
  api = createApi({ getToken: () => state.token, onAuthError, onOk: clearAuthError });
  map = new VectorMap($('map'), $('map-legend'), {
    onPointClick: (id) => queryById(id),
    onHover: (id) => {
      for (const row of document.querySelectorAll('[data-testid="result-row"]')) row.classList.toggle('is-hot', row.dataset.id === id);
    },
  });

  state.token = localStorage.getItem(TOKEN_KEY) || '';
  const tokenInput = $('token-input');
  tokenInput.value = state.token;
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = tokenInput.value.trim();
    if (state.token) localStorage.setItem(TOKEN_KEY, state.token); else localStorage.removeItem(TOKEN_KEY);
    state.authFailed = false;
    $('auth-message').hidden = true;
    $('token-form').classList.remove('needs-attention');
    loadIndexes();
  });
  const toggle = $('token-toggle');
  toggle.addEventListener('click', () => {
    const show = tokenInput.type === 'password';
    tokenInput.type = show ? 'text' : 'password';
    toggle.setAttribute('aria-pressed', String(show));
    toggle.setAttribute('aria-label', show ? 'Hide token' : 'Show token');
  });

  $('index-refresh').addEventListener('click', () => loadIndexes());

  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.addEventListener('change', () => { if (r.checked) setMode(r.value, { keepValue: false }); $('query-input').focus(); });
  }
  for (const r of document.querySelectorAll('input[name="rank"]')) {
    r.addEventListener('change', () => { if (r.checked) setRank(r.value); $('query-input').focus(); });
  }
  $('query-fusion').addEventListener('change', updateAlpha);
  $('query-form').addEventListener('submit', (e) => { e.preventDefault(); runQuery(); });
  const filter = $('query-filter');
  filter.addEventListener('input', debounce(() => parseFilter(), 250));
  filter.addEventListener('input', () => autoGrow(filter));
  filter.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runQuery(); }
  });

  $('map-color-by').addEventListener('change', (e) => { e.target.dataset.userChoice = '1'; map.setField(e.target.value); });
  $('map-fit').addEventListener('click', () => map.fit());

  $('browse-prev').addEventListener('click', () => {
    const b = state.browse;
    if (b.page > 0) { b.page--; loadBrowse(); }
  });
  $('browse-next').addEventListener('click', () => {
    const b = state.browse;
    if (b.next) { b.cursors[b.page + 1] = b.next; b.page++; loadBrowse(); }
  });

  window.addEventListener('hashchange', () => {
    const m = location.hash.match(/^#index=(.+)$/);
    const name = m ? decodeURIComponent(m[1]) : null;
    if (name && name !== state.selected && state.indexes.some((i) => i.name === name)) selectIndex(name);
  });

  $('welcome').hidden = true;
  checkHealth();
  loadIndexes();
}

init();
