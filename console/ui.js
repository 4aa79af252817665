// DOM helpers: elements are built with the DOM API (never innerHTML), so
// keys and metadata from the server are always text.

export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on'))
      el.addEventListener(k.slice(2), v);
    else if (k === 'class')
      el.className = v;
    else if (v === true)
      el.setAttribute(k, '');
    else
      el.setAttribute(k, String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

export function bytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function age(iso) {
  const ms = Date.now() - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

let statusTimer = 0;
// A message in the polite live region; kind 'error' stays until replaced.
export function say(text, kind = 'info') {
  const el = document.getElementById('status');
  el.textContent = text;
  el.className = `status ${kind}`;
  clearTimeout(statusTimer);
  if (kind !== 'error')
    statusTimer = setTimeout(() => {
      el.textContent = '';
      el.className = 'status';
    }, 6000);
}

// A table inside a horizontally scrollable, labelled region (narrow screens).
export function table(caption, head, rows, attrs = {}) {
  return h(
      'div', {class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0'},
      h('table', attrs, h('caption', {}, caption),
        h('thead', {}, h('tr', {}, head.map((c) => h('th', {scope: 'col'}, c)))),
        h('tbody', {}, rows)));
}

export function metaList(meta) {
  if (!meta || meta.length === 0) return h('span', {class: 'muted'}, 'none');
  return h(
      'dl', {class: 'meta'},
      meta.map(([k, v]) => [h('dt', {}, `x-amz-meta-${k}`), h('dd', {}, v)]));
}

export function confirmDanger(text) {
  return window.confirm(text);
}
