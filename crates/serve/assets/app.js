// copydesk's page: reads the JSON API and draws search, article, family, site and check
// views. Plain DOM, no framework; every view is a real path (/a/ID, /f/ID, /s/SITE), so
// links, the back button and the keyboard work as everywhere else.
'use strict';

const main = document.getElementById('main');
const COLOURS = 8;
// Word diffs are a table of |source| x |target| words: past this many cells a passage
// shows its edit list only, so that one huge passage cannot stall the page.
const MAX_DIFF_CELLS = 2_000_000;

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path, options) {
  let resp;
  try {
    resp = await fetch(path, options);
  } catch (e) {
    throw new Error('the server did not answer (' + e.message + ')');
  }
  let body = null;
  try { body = await resp.json(); } catch (_) { /* not JSON: reported below */ }
  if (!resp.ok) throw new Error((body && body.error) || resp.status + ' ' + resp.statusText);
  if (body === null) throw new Error('the server sent something other than JSON');
  return body;
}

const enc = encodeURIComponent;
const articleLink = (ref, text) => h('a', { href: '/a/' + enc(ref.id) }, text || ref.title || ref.id);
const siteLink = (site) => site ? h('a', { href: '/s/' + enc(site) }, site) : 'no site';

function when(iso) {
  if (!iso) return 'undated';
  if (/^\d{4}-\d\d-\d\d$/.test(iso)) return iso;
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

const pct = (x) => Math.round((x || 0) * 100) + '%';

function show(...nodes) {
  main.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined));
}

function showError(what, err) {
  show(h('h1', {}, what), h('p', { class: 'error', role: 'alert' }, err.message));
}

function decodeEntities(s) {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_, e) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'" })[e]);
}

// A search snippet is escaped text with <b> around matches: rebuilt as nodes, so that no
// markup from an article ever reaches innerHTML.
function snippetNodes(snippet) {
  const out = [];
  let bold = false;
  for (const part of (snippet || '').split(/(<b>|<\/b>)/)) {
    if (part === '<b>') bold = true;
    else if (part === '</b>') bold = false;
    else if (part) out.push(bold ? h('b', {}, decodeEntities(part)) : decodeEntities(part));
  }
  return out;
}

// Spans are UTF-8 byte offsets; JavaScript strings are UTF-16. One pass maps each byte
// offset to its string index.
function byteToIndex(text) {
  const bytes = new TextEncoder().encode(text).length;
  const map = new Uint32Array(bytes + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i);
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) map[b + k] = i;
    b += n;
    if (c > 0xffff) i++;
  }
  map[bytes] = text.length;
  return (off) => map[Math.max(0, Math.min(off, bytes))];
}

// ---------- word-level differences ----------

function words(text) {
  const out = [];
  const re = /\S+/g;
  let m;
  while ((m = re.exec(text))) out.push({ w: m[0], s: m.index, e: m.index + m[0].length });
  return out;
}

const PUNCT_START = /^[^\p{L}\p{N}]+/u;
const PUNCT_END = /[^\p{L}\p{N}]+$/u;
const trimPunct = (w) => w.replace(PUNCT_START, '').replace(PUNCT_END, '');
const norm = (w) => trimPunct(w).toLowerCase();

// Longest common subsequence of two word lists, common ends stripped first. Returns
// runs [{op: 'eq'|'chg', a: [i, j), b: [k, l)}] or null when the table would be too big.
function diffWords(a, b) {
  let pre = 0;
  while (pre < a.length && pre < b.length && norm(a[pre].w) === norm(b[pre].w)) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre &&
         norm(a[a.length - 1 - suf].w) === norm(b[b.length - 1 - suf].w)) suf++;
  const A = a.slice(pre, a.length - suf).map((x) => norm(x.w));
  const B = b.slice(pre, b.length - suf).map((x) => norm(x.w));
  const n = A.length, m = B.length;
  if ((n + 1) * (m + 1) > MAX_DIFF_CELLS) return null;
  const L = new Uint32Array((n + 1) * (m + 1));
  const W = m + 1;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i * W + j] = A[i] === B[j] ? L[(i + 1) * W + j + 1] + 1 : Math.max(L[(i + 1) * W + j], L[i * W + j + 1]);
  const runs = [];
  const push = (op, i0, i1, j0, j1) => {
    const last = runs[runs.length - 1];
    if (last && last.op === op) { last.a[1] = i1; last.b[1] = j1; } else runs.push({ op, a: [i0, i1], b: [j0, j1] });
  };
  if (pre) runs.push({ op: 'eq', a: [0, pre], b: [0, pre] });
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && A[i] === B[j]) { push('eq', pre + i, pre + i + 1, pre + j, pre + j + 1); i++; j++; }
    else if (j < m && (i === n || L[i * W + j + 1] >= L[(i + 1) * W + j])) { push('chg', pre + i, pre + i, pre + j, pre + j + 1); j++; }
    else { push('chg', pre + i, pre + i + 1, pre + j, pre + j); i++; }
  }
  if (suf) push('eq', a.length - suf, a.length, b.length - suf, b.length);
  return runs;
}

// ---------- article view ----------

// Layers as [start, end, class, title] in string indices.
function layerMarks(article, at) {
  const L = article.layers || {};
  const marks = [];
  const add = (span, cls, title) => { if (span && span[1] > span[0]) marks.push([at(span[0]), at(span[1]), cls, title]); };
  for (const q of L.quotes || []) {
    add(q.content, 'quote', 'quote' + (q.speaker_name ? ' by ' + q.speaker_name : ''));
    add(q.speaker, 'speaker', 'speaker' + (q.speaker_name ? ': ' + q.speaker_name : ''));
    add(q.cue, 'cue', 'cue');
  }
  for (const t of L.times || []) add(t.span, 'timex', 'time: ' + (t.value || t.type || ''));
  for (const a of L.amounts || []) {
    add(a.span, 'amount', 'amount: ' + a.value + (a.currency ? ' ' + a.currency : '') + (a.unit ? ' ' + a.unit : ''));
  }
  return marks;
}

// Target-side changed words of each passage, with the source wording they replace.
function changeMarks(passage, text, s, e) {
  const tw = words(text.slice(s, e));
  const sw = words(passage.source_text || '');
  const runs = diffWords(sw, tw);
  passage._diff = runs ? { runs, sw, tw } : null;
  const marks = [];
  for (const r of runs || []) {
    if (r.op !== 'chg' || r.b[0] === r.b[1]) continue;
    // Only the words are marked, not the punctuation around them.
    const was = trimPunct(sw.slice(r.a[0], r.a[1]).map((x) => x.w).join(' '));
    const first = tw[r.b[0]], last = tw[r.b[1] - 1];
    const lead = first.w.length - first.w.replace(PUNCT_START, '').length;
    const trail = last.w.length - last.w.replace(PUNCT_END, '').length;
    const ms = s + first.s + lead, me = s + last.e - trail;
    if (me > ms) marks.push([ms, me, 'chg', was ? 'source: ' + was : 'added', was]);
  }
  return marks;
}

// Text [s, e) with the marks that overlap it, as nested-free spans: each piece of text
// carries the classes of every mark covering it.
function markedText(text, s, e, marks) {
  const inside = marks.filter((m) => m[0] < e && m[1] > s);
  if (!inside.length) return [text.slice(s, e)];
  const cuts = new Set([s, e]);
  for (const m of inside) { cuts.add(Math.max(s, m[0])); cuts.add(Math.min(e, m[1])); }
  const points = [...cuts].sort((x, y) => x - y);
  const out = [];
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k], b = points[k + 1];
    const on = inside.filter((m) => m[0] <= a && m[1] >= b);
    const piece = text.slice(a, b);
    if (!on.length) { out.push(piece); continue; }
    const attrs = { class: on.map((m) => m[2]).join(' '), title: on.map((m) => m[3]).filter(Boolean).join('; ') };
    const chg = on.find((m) => m[2] === 'chg');
    if (chg) attrs['data-was'] = chg[4] || '';
    out.push(h('span', attrs, piece));
  }
  return out;
}

function renderArticle(view, heading) {
  const a = view.article;
  const text = a.text || '';
  const at = byteToIndex(text);
  const sources = view.sources || [];
  const colour = new Map();
  sources.forEach((s, i) => colour.set(s.id, i % COLOURS));
  const passages = (view.passages || []).slice().sort((x, y) => x.begin - y.begin);
  for (const p of passages) if (!colour.has(p.source)) colour.set(p.source, colour.size % COLOURS);

  const sourceNo = (id) => { const i = sources.findIndex((s) => s.id === id); return i < 0 ? '?' : String(i + 1); };
  const marks = layerMarks(a, at);
  const pieces = passages.map((p, i) => {
    const s = at(p.begin), e = at(p.end);
    return { s, e, p, i, marks: changeMarks(p, text, s, e) };
  });

  const detail = h('div', { id: 'detail', class: 'box', 'aria-live': 'polite' });
  let active = null;
  const select = (i) => {
    if (active !== null) main.querySelectorAll(`mark[data-passage="${active}"]`).forEach((m) => m.classList.remove('active'));
    active = i;
    history.replaceState(null, '', '#p' + i);
    main.querySelectorAll(`mark[data-passage="${i}"]`).forEach((m) => m.classList.add('active'));
    detail.replaceChildren(...passageDetail(pieces[i].p, colour.get(pieces[i].p.source)));
  };

  const paras = (a.paragraphs && a.paragraphs.length ? a.paragraphs : [[0, new TextEncoder().encode(text).length]])
    .map(([ps, pe]) => [at(ps), at(pe)]);
  const body = h('div', { class: 'text' });
  let k = 0; // first passage that may overlap the current paragraph
  for (const [ps, pe] of paras) {
    const p = h('p');
    let pos = ps;
    while (k < pieces.length && pieces[k].e <= ps) k++;
    for (let j = k; j < pieces.length && pieces[j].s < pe; j++) {
      const pc = pieces[j];
      // Passages of two sources may overlap (equal text, equal dates): the one that starts
      // first keeps the shared part, so that no text is shown twice.
      const s = Math.max(ps, pc.s, pos), e = Math.min(pe, pc.e);
      if (s >= e) continue;
      if (pos < s) p.append(...markedText(text, pos, s, marks));
      const src = pc.p.source_ref || { id: pc.p.source };
      const first = !pc.shown;
      pc.shown = true;
      p.append(h('mark', {
        'data-n': first ? sourceNo(pc.p.source) : null,
        class: 'passage c' + colour.get(pc.p.source),
        tabindex: 0,
        role: 'button',
        'data-passage': pc.i,
        'data-source': pc.p.source,
        'data-source-site': src.site || '',
        'data-kind': pc.p.kind,
        'aria-label': `${pc.p.kind} passage from ${src.title || src.id}, ${src.site || 'no site'}, ${when(src.published)}`,
        onfocus: () => select(pc.i),
        onmouseenter: () => select(pc.i),
        onclick: () => select(pc.i),
        onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(pc.i); detail.querySelector('a')?.focus(); } },
      }, markedText(text, s, e, marks.concat(pc.marks))));
      pos = e;
    }
    if (pos < pe) p.append(...markedText(text, pos, pe, marks));
    body.append(p);
  }

  const header = [
    heading,
    h('h1', {}, a.title || a.id),
    h('div', { class: 'meta' },
      h('span', {}, siteLink(a.site)),
      h('span', {}, when(a.published)),
      a.url ? h('a', { href: a.url, rel: 'noopener noreferrer' }, 'original page') : null,
      view.revision ? h('span', {}, 'revision ' + view.revision + (view.revisions && view.revisions.length ? ` (${view.revisions.length} earlier)` : '')) : null,
      h('span', { id: 'reused' }, pct(view.reused_share) + ' of the text found earlier elsewhere'),
      h('span', { class: 'note' }, 'id ' + a.id)),
    h('div', { class: 'legend', 'aria-hidden': 'true' },
      h('span', {}, h('mark', { class: 'passage c0' }, 'coloured'), ' text found earlier, one colour per source'),
      h('span', {}, h('span', { class: 'chg' }, 'wavy'), ' words changed from the source'),
      h('span', {}, h('span', { class: 'quote' }, 'italic'), ' quotes, ', h('span', { class: 'speaker' }, 'bold'), ' speakers'),
      h('span', {}, h('span', { class: 'timex' }, 'dotted'), ' dates and amounts')),
  ];

  const side = h('aside', { class: 'panel', 'aria-label': 'Provenance' },
    h('section', { class: 'box' }, h('h2', {}, 'Sources, earliest first'),
      sources.length
        ? h('ol', { id: 'sources' }, sources.map((s) => h('li', { 'data-source': s.id },
            h('span', { class: 'swatch c' + colour.get(s.id), 'aria-hidden': 'true' }),
            articleLink(s), h('br'), h('span', { class: 'note' }, siteLink(s.site), ' · ', when(s.published)))))
        : h('p', { class: 'note' }, 'No passage of this text was found in an earlier article.')),
    passages.length ? h('p', { class: 'note' }, 'Tab to a coloured passage (or point at it) to see its source and the word-level differences.') : null,
    detail,
    (view.reused_by || []).length ? h('section', { class: 'box' }, h('h2', {}, 'Reused by'),
      h('ul', {}, view.reused_by.map((r) => h('li', {}, articleLink(r), h('br'), h('span', { class: 'note' }, siteLink(r.site), ' · ', when(r.published)))))) : null,
    (view.families || []).length ? h('section', { class: 'box' }, h('h2', {}, 'Families'),
      h('ul', {}, view.families.map((f) => h('li', {}, h('a', { href: '/f/' + enc(f) }, 'reprint family of ' + f))))) : null,
    h('section', { class: 'box', id: 'entities' }, h('h2', {}, 'Entities'),
      (view.entities || []).length ? h('ul', {}, view.entities.map((e) => h('li', {}, e.name || JSON.stringify(e))))
        : h('p', { class: 'note' }, 'None yet: the entity stage has not landed. Speakers are marked in the text.')),
    h('section', { class: 'box', id: 'findings' }, h('h2', {}, 'Findings'),
      (view.findings || []).length ? h('ul', {}, view.findings.map((f) => h('li', {}, f.message || JSON.stringify(f))))
        : h('p', { class: 'note' }, 'None yet: integrity checks come in a later stage.')),
    (view.revisions || []).length ? h('section', { class: 'box' }, h('h2', {}, 'Earlier revisions'),
      h('ul', {}, view.revisions.map((r) => h('li', {}, 'revision ' + r.revision + ', ingested ' + when(r.ingested))))) : null,
  );

  const m = location.hash.match(/^#p(\d+)$/);
  if (m && pieces[+m[1]]) setTimeout(() => { select(+m[1]); main.querySelector(`mark[data-passage="${m[1]}"]`)?.focus(); }, 0);
  return [...header, h('div', { class: 'layout' }, body, side)];
}

// The same swap made several times is listed once, with its count, in first-seen order.
function countEdits(edits) {
  const seen = new Map();
  for (const e of edits) {
    const k = e.from + '\u0000' + e.to;
    if (seen.has(k)) seen.get(k)[1]++; else seen.set(k, [e, 1]);
  }
  return [...seen.values()];
}

function passageDetail(p, c) {
  const src = p.source_ref || { id: p.source };
  const out = [
    h('h2', {}, h('span', { class: 'swatch c' + c, 'aria-hidden': 'true' }), 'This passage'),
    h('p', {}, h('span', { class: 'badge ' + p.kind }, p.kind), ' ', Math.round(p.similarity * 100) + '% similar', ' · from ',
      articleLink(src), ' (', siteLink(src.site), ', ', when(src.published), ')'),
  ];
  if (p.via && p.via !== p.source) {
    const via = p.via_ref || { id: p.via };
    out.push(h('p', { class: 'note' }, 'By way of ', articleLink(via), ' (', siteLink(via.site), ', ', when(via.published), ')'));
  }
  if (p.direction === 'unknown') out.push(h('p', { class: 'note' }, 'One of the two is undated: which copied which is not known.'));
  if ((p.edits || []).length) {
    out.push(h('h2', {}, 'Substitutions'),
      h('ul', { class: 'edits' }, countEdits(p.edits).map(([e, n]) => h('li', {},
        h('span', { class: 'from' }, e.from || '∅'), ' → ', h('span', { class: 'to' }, e.to || '∅'), n > 1 ? ' ×' + n : ''))));
  }
  if (p._diff) {
    const { runs, sw, tw } = p._diff;
    const d = h('div', { class: 'diff', 'aria-label': 'differences from the source' });
    for (const r of runs) {
      const from = sw.slice(r.a[0], r.a[1]).map((x) => x.w).join(' ');
      const to = tw.slice(r.b[0], r.b[1]).map((x) => x.w).join(' ');
      if (r.op === 'eq') d.append(to + ' ');
      else {
        if (from) d.append(h('del', {}, from), ' ');
        if (to) d.append(h('ins', {}, to), ' ');
      }
    }
    out.push(h('h2', {}, 'Source wording → this text'), d);
  } else if (p.source_text) {
    out.push(h('h2', {}, 'Source wording'), h('div', { class: 'diff' }, p.source_text));
  }
  return out;
}

async function articlePage(id) {
  document.title = 'copydesk: ' + id;
  show(h('p', { class: 'note' }, 'Loading article ' + id + '…'));
  try {
    const view = await api('/api/articles/' + enc(id));
    document.title = 'copydesk: ' + (view.article.title || id);
    show(renderArticle(view, null));
  } catch (e) { showError('Article ' + id, e); }
}

// ---------- search ----------

async function searchPage(params) {
  const q = params.get('q') || '';
  document.getElementById('q').value = q;
  const field = (name, label, type) => h('label', {}, label,
    h('input', { name, type: type || 'text', value: params.get(name) || '', form: 'searchbar' }));
  const filters = h('div', { class: 'filters' },
    field('site', 'Site'), field('from', 'Published from', 'date'), field('to', 'to', 'date'), field('entity', 'Person or organisation'),
    h('button', { type: 'submit', form: 'searchbar' }, 'Apply'));
  const results = h('div', { id: 'results' });
  show(h('h1', {}, q ? 'Search: ' + q : 'Search the store'), filters, results);
  const stats = api('/api/stats').catch(() => null);
  const filtered = ['site', 'from', 'to', 'entity'].some((k) => params.get(k));
  if (!q && !filtered) {
    const s = await stats;
    results.replaceChildren(h('p', { class: 'note' }, s
      ? `The store holds ${s.articles} articles from ${s.sites} sites, with ${s.passages} reused passages in ${s.families} reprint families. Search for words or a "phrase", or filter by site and dates.`
      : 'Search for words or a "phrase", or filter by site and dates.'));
    return;
  }
  const qs = new URLSearchParams();
  for (const k of ['q', 'site', 'from', 'to', 'entity', 'limit', 'offset']) if (params.get(k)) qs.set(k, params.get(k));
  try {
    const r = await api('/api/search?' + qs);
    const offset = +(params.get('offset') || 0);
    const limit = +(params.get('limit') || 20);
    const page = (o) => { const p = new URLSearchParams(qs); p.set('offset', o); return '/?' + p; };
    results.replaceChildren(
      h('p', { class: 'note' }, r.total === 0 ? 'No article matches.' : `${r.total} articles match; ${offset + 1}–${offset + r.hits.length} shown.`),
      h('ol', { class: 'hits', start: offset + 1 }, r.hits.map((hit) => h('li', {},
        h('div', { class: 'title' }, articleLink(hit)),
        h('div', { class: 'meta' }, siteLink(hit.site), h('span', {}, when(hit.published)),
          h('span', {}, hit.reused_share > 0 ? pct(hit.reused_share) + ' reused' : 'original text')),
        h('p', { class: 'snippet' }, snippetNodes(hit.snippet))))),
      h('nav', { class: 'pager', 'aria-label': 'Pages' },
        offset > 0 ? h('a', { href: page(Math.max(0, offset - limit)) }, '← previous') : null,
        offset + r.hits.length < r.total ? h('a', { href: page(offset + limit) }, 'next →') : null));
  } catch (e) { results.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message)); }
}

// ---------- family ----------

function lineageSvg(f) {
  const members = [f.original, ...f.copies];
  const row = new Map(members.map((m, i) => [m.id, i]));
  const depth = new Map([[f.original.id, 0]]);
  const parent = new Map();
  for (const e of f.lineage) if (!parent.has(e.to)) parent.set(e.to, e.from);
  const depthOf = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id) || !parent.has(id)) return 1;
    seen.add(id);
    const d = depthOf(parent.get(id), seen) + 1;
    depth.set(id, d);
    return d;
  };
  members.forEach((m) => depthOf(m.id));
  const maxDepth = Math.max(...depth.values());
  const rowH = 54, top = 30, dx = 34, x0 = 26;
  const labelX = x0 + maxDepth * dx + 26;
  const height = top + members.length * rowH;
  const svg = h('svg:svg', { class: 'lineage', viewBox: `0 0 900 ${height}`, role: 'group', 'aria-label': `Lineage of ${members.length} articles: who copied from whom, earliest at the top` });
  svg.append(h('svg:defs', {}, h('svg:marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    h('svg:path', { d: 'M0,0 L10,5 L0,10 z', fill: '#868e96' }))));
  const pos = (id) => [x0 + (depth.get(id) || 0) * dx, top + row.get(id) * rowH];
  for (const e of f.lineage) {
    if (!row.has(e.from) || !row.has(e.to)) continue;
    const [x1, y1] = pos(e.from), [x2, y2] = pos(e.to);
    const d = `M${x1},${y1 + 8} C${x1},${(y1 + y2) / 2} ${x2 - 20},${y2} ${x2 - 9},${y2}`;
    svg.append(h('svg:path', { class: 'edge', d, 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to },
      h('svg:title', {}, `${e.to} copied from ${e.from}${e.published ? ', ' + when(e.published) : ''}${e.direction === 'unknown' ? ' (direction unknown: undated)' : ''}`)));
  }
  members.forEach((m, i) => {
    const [x, y] = pos(m.id);
    svg.append(h('svg:circle', { cx: x, cy: y, r: 7, class: i === 0 ? 'orig' : '' }));
    svg.append(h('svg:a', { href: '/a/' + enc(m.id) },
      h('svg:text', { x: labelX, y: y - 4 }, (m.title || m.id).slice(0, 90)),
      h('svg:text', { x: labelX, y: y + 13, class: 'sub' }, `${m.site || 'no site'} · ${when(m.published)}${i === 0 ? ' · original' : ''}`)));
  });
  return svg;
}

async function familyPage(id) {
  document.title = 'copydesk: family ' + id;
  try {
    const f = await api('/api/families/' + enc(id));
    const from = new Map(f.lineage.map((e) => [e.to, e.from]));
    show(
      h('h1', {}, 'Reprint family: ' + (f.original.title || f.original.id)),
      h('div', { class: 'meta' }, h('span', {}, 'original ', articleLink(f.original, f.original.id)), h('span', {}, siteLink(f.original.site)),
        h('span', {}, when(f.original.published)), h('span', {}, f.copies.length + ' copies')),
      f.dated ? null : h('p', { class: 'note' }, 'Some members are undated: their place in the order is a guess.'),
      h('h2', {}, 'Lineage'), lineageSvg(f),
      h('h2', {}, 'Copies, earliest first'),
      h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Article'), h('th', {}, 'Site'), h('th', {}, 'Published'), h('th', {}, 'Copied from'), h('th', { class: 'num' }, 'Bytes'), h('th', {}, 'Kinds'))),
        h('tbody', {}, f.copies.map((c) => h('tr', {},
          h('td', {}, articleLink(c)), h('td', {}, siteLink(c.site)), h('td', {}, when(c.published)),
          h('td', {}, from.has(c.id) ? h('a', { href: '/a/' + enc(from.get(c.id)) }, from.get(c.id)) : '–'),
          h('td', { class: 'num' }, c.bytes), h('td', {}, (c.kinds || []).join(', ')))))));
  } catch (e) { showError('Family ' + id, e); }
}

// ---------- site ----------

async function sitePage(site) {
  document.title = 'copydesk: ' + site;
  try {
    const s = await api('/api/sites/' + enc(site));
    const counts = (rows, label) => rows.length
      ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, label), h('th', { class: 'num' }, 'Passages'))),
          h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, siteLink(r.site)), h('td', { class: 'num' }, r.passages)))))
      : h('p', { class: 'note' }, 'None.');
    show(
      h('h1', {}, s.site),
      h('div', { class: 'stats' },
        h('div', {}, h('b', {}, s.articles), 'articles'),
        h('div', {}, h('b', {}, s.reusing_articles), 'reuse other articles\' text'),
        h('div', {}, h('b', {}, pct(s.reused_share)), 'of its text is reused, on average')),
      h('h2', { id: 'subst' }, 'Spin fingerprint: systematic substitutions'),
      s.substitutions.length
        ? h('table', { 'aria-labelledby': 'subst', id: 'substitutions' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Source wording'), h('th', {}, 'This site writes'), h('th', { class: 'num' }, 'Times'), h('th', { class: 'num' }, 'Articles'))),
            h('tbody', {}, s.substitutions.map((x) => h('tr', {}, h('td', {}, x.from), h('td', {}, x.to), h('td', { class: 'num' }, x.count), h('td', { class: 'num' }, x.articles)))))
        : h('p', { class: 'note' }, 'No systematic substitutions: this site does not spin the text it reuses (or reuses none).'),
      h('div', { class: 'cols' },
        h('section', {}, h('h2', {}, 'Takes text from'), counts(s.sources, 'Site')),
        h('section', {}, h('h2', {}, 'Its text is taken by'), counts(s.reused_by, 'Site')),
        h('section', {}, h('h2', {}, 'Latest articles'),
          h('ul', {}, s.recent.map((r) => h('li', {}, articleLink(r), ' ', h('span', { class: 'note' }, when(r.published))))))));
  } catch (e) { showError('Site ' + site, e); }
}

// ---------- check ----------

function checkPage() {
  document.title = 'copydesk: check an article';
  const out = h('div', { id: 'checked' });
  const form = h('form', { class: 'checkform', onsubmit: async (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const article = { text: fd.get('text') };
    for (const k of ['title', 'site', 'published']) if (fd.get(k)) article[k] = fd.get(k);
    out.replaceChildren(h('p', { class: 'note' }, 'Checking…'));
    try {
      const view = await api('/api/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(article) });
      out.replaceChildren(...renderArticle(view, h('h2', {}, 'Result (not stored)')));
    } catch (e) { out.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message)); }
  } },
    h('label', { for: 'ctext' }, 'Article text (paragraphs separated by a blank line)'),
    h('textarea', { id: 'ctext', name: 'text', required: true }),
    h('div', { class: 'row' },
      h('label', {}, 'Title', h('input', { name: 'title' })),
      h('label', {}, 'Site', h('input', { name: 'site', placeholder: 'example.com' })),
      h('label', {}, 'Published', h('input', { name: 'published', placeholder: '2025-03-14T09:00:00Z' }))),
    h('button', { type: 'submit' }, 'Check against the store'));
  show(h('h1', {}, 'Check an article'),
    h('p', { class: 'note' }, 'Finds where its text came from among the stored articles, without storing it.'), form, out);
}

// ---------- routing ----------

function route() {
  const path = location.pathname;
  const m = path.match(/^\/(a|f|s)\/(.+)$/);
  let arg = null;
  if (m) {
    try { arg = decodeURIComponent(m[2]); } catch (_) { arg = m[2]; }
  }
  if (m && m[1] === 'a') return articlePage(arg);
  if (m && m[1] === 'f') return familyPage(arg);
  if (m && m[1] === 's') return sitePage(arg);
  if (path === '/check') return checkPage();
  return searchPage(new URLSearchParams(location.search));
}

route();
