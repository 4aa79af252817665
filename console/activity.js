// Activity: charts drawn from /_s2lite/metrics polled every 2 s (requests/s by
// operation, error rate, latency percentiles, bytes in/out over the last five
// minutes) and, for admins, the last 100 requests (GET /_s2lite/requests).
import {explain} from './s3.js';
import {bytes, h, table} from './ui.js';

const POLL_MS = 2000;
const KEEP = 150;  // samples: five minutes
const COLORS =
    ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#718096', '#d69e2e', '#319795'];

// Prometheus text -> one sample of the counters the charts need.
export function parseMetrics(text, t = Date.now()) {
  const s = {t, byOp: {}, total: 0, errors: 0, bytesIn: 0, bytesOut: 0, le: {}};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? ([0-9.eE+-]+|\+Inf|NaN)$/.exec(line);
    if (!m) continue;
    const labels =
        Object.fromEntries([...(m[2] || '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const v = Number(m[3]);
    if (m[1] === 's2lite_requests_total') {
      // Health, metrics and console files are not S3 operations.
      const op = labels.operation === 'Unsupported' ? 'other' : labels.operation;
      s.byOp[op] = (s.byOp[op] || 0) + v;
      s.total += v;
      if (Number(labels.status) >= 400) s.errors += v;
    } else if (m[1] === 's2lite_request_duration_seconds_bucket') {
      s.le[labels.le] = (s.le[labels.le] || 0) + v;
    } else if (m[1] === 's2lite_received_bytes_total') {
      s.bytesIn = v;
    } else if (m[1] === 's2lite_sent_bytes_total') {
      s.bytesOut = v;
    }
  }
  return s;
}

// The q-quantile (seconds) of the requests between samples a and b.
export function quantile(a, b, q) {
  const les = Object.keys(b.le).filter((k) => k !== '+Inf').map(Number).sort((x, y) => x - y);
  const count = (le) => (b.le[le] || 0) - (a.le[le] || 0);
  const total = (b.le['+Inf'] || 0) - (a.le['+Inf'] || 0);
  if (total <= 0) return null;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const c = count(String(le));
    if (c >= q * total) {
      const inBucket = c - prevCount;
      return inBucket > 0 ? prevLe + ((q * total - prevCount) / inBucket) * (le - prevLe) : le;
    }
    prevLe = le;
    prevCount = c;
  }
  return prevLe;
}

function drawChart(canvas, series, format) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 300;
  const hgt = canvas.clientHeight || 160;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, hgt);
  const pts = series.flatMap((s) => s.points);
  const pad = {l: 56, r: 8, t: 8, b: 18};
  const now = Date.now();
  const t0 = now - KEEP * POLL_MS;
  const max = Math.max(1e-9, ...pts.map((p) => p.v)) * 1.1;
  g.strokeStyle = '#cbd5e0';
  g.fillStyle = '#4a5568';
  g.font = '11px system-ui, sans-serif';
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + ((hgt - pad.t - pad.b) * i) / 4;
    g.beginPath();
    g.moveTo(pad.l, y);
    g.lineTo(w - pad.r, y);
    g.stroke();
    g.fillText(format(max * (1 - i / 4)), 2, y + 4);
  }
  g.fillText('5 min ago', pad.l, hgt - 4);
  g.fillText('now', w - pad.r - 22, hgt - 4);
  const x = (t) => pad.l + ((t - t0) / (now - t0)) * (w - pad.l - pad.r);
  const y = (v) => pad.t + (1 - v / max) * (hgt - pad.t - pad.b);
  series.forEach((s) => {
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    s.points.forEach((p, i) => (i ? g.lineTo(x(p.t), y(p.v)) : g.moveTo(x(p.t), y(p.v))));
    g.stroke();
  });
}

function chartBox(id, title) {
  const canvas = h('canvas', {id, role: 'img', 'aria-label': title});
  const legend = h('ul', {class: 'legend'});
  const latest = h('p', {class: 'latest', 'aria-live': 'off'});
  return {
    el: h('figure', {class: 'chart card'}, h('figcaption', {}, title), canvas, legend, latest),
    canvas,
    legend,
    latest
  };
}

function setLegend(box, series, format) {
  if (series.length === 0) {
    box.legend.replaceChildren(h('li', {class: 'muted'}, 'No requests in the last five minutes.'));
    return;
  }
  box.legend.replaceChildren(...series.map((s) => {
    const swatch = h('span', {class: 'swatch'});
    swatch.style.backgroundColor = s.color;
    const last = s.points.length ? format(s.points[s.points.length - 1].v) : '–';
    return h('li', {}, swatch, `${s.name}: ${last}`);
  }));
}

const rate = (v) => `${v.toFixed(v < 10 ? 2 : 0)}/s`;
const pct = (v) => `${(v * 100).toFixed(1)}%`;
const ms = (v) => `${(v * 1000).toFixed(v < 0.01 ? 2 : 0)} ms`;
const bps = (v) => `${bytes(Math.round(v))}/s`;

export async function render({client, main, admin}) {
  const charts = {
    ops: chartBox('chart-ops', 'Requests per second by operation'),
    errors: chartBox('chart-errors', 'Error rate (4xx and 5xx)'),
    latency: chartBox('chart-latency', 'Latency percentiles (p50, p90, p99)'),
    bytes: chartBox('chart-bytes', 'Bytes in and out per second'),
  };
  const recent = h('section', {id: 'recent', 'aria-label': 'Recent requests'});
  const note =
      h('p', {class: 'muted', id: 'activity-note'}, 'Polling /_s2lite/metrics every 2 seconds…');
  main.append(
      h('h1', {tabindex: '-1'}, 'Activity'), note,
      h('div', {class: 'charts'}, Object.values(charts).map((c) => c.el)), recent);
  const samples = [];

  const redraw = () => {
    const pairs = samples.slice(1).map((b, i) => [samples[i], b]);
    const dt = (a, b) => Math.max(0.001, (b.t - a.t) / 1000);
    const opNames = Object.keys(samples[samples.length - 1]?.byOp || {});
    const busiest =
        opNames
            .map(
                (op) =>
                    [op,
                     pairs.reduce((acc, [a, b]) => acc + (b.byOp[op] || 0) - (a.byOp[op] || 0), 0)])
            .filter(([, n]) => n > 0)
            .sort((x, y) => y[1] - x[1])
            .slice(0, 6)
            .map(([op]) => op);
    const opSeries = busiest.map(
        (op, i) => ({
          name: op,
          color: COLORS[i % COLORS.length],
          points: pairs.map(
              ([a, b]) => ({t: b.t, v: ((b.byOp[op] || 0) - (a.byOp[op] || 0)) / dt(a, b)}))
        }));
    const errSeries = [{
      name: 'errors',
      color: '#c53030',
      points: pairs.map(([a, b]) => {
        const n = b.total - a.total;
        return {t: b.t, v: n > 0 ? (b.errors - a.errors) / n : 0};
      })
    }];
    // Latency over a sliding 10 s window, so a quiet 2 s gap does not blank it.
    const win = samples.map((b, i) => [samples[Math.max(0, i - 5)], b]).slice(1);
    const latSeries = [0.5, 0.9, 0.99].map(
        (q, i) => ({
          name: `p${Math.round(q * 100)}`,
          color: COLORS[i],
          points: win.map(([a, b]) => ({t: b.t, v: quantile(a, b, q)})).filter((p) => p.v !== null)
        }));
    const byteSeries = [
      {
        name: 'in',
        color: COLORS[0],
        points: pairs.map(([a, b]) => ({t: b.t, v: (b.bytesIn - a.bytesIn) / dt(a, b)}))
      },
      {
        name: 'out',
        color: COLORS[1],
        points: pairs.map(([a, b]) => ({t: b.t, v: (b.bytesOut - a.bytesOut) / dt(a, b)}))
      },
    ];
    for (const [box, series, fmt] of [
             [charts.ops, opSeries, rate], [charts.errors, errSeries, pct],
             [charts.latency, latSeries, ms], [charts.bytes, byteSeries, bps]]) {
      drawChart(box.canvas, series, fmt);
      setLegend(box, series, fmt);
    }
  };

  const poll = async () => {
    try {
      const res = await fetch('/_s2lite/metrics', {cache: 'no-store', credentials: 'omit'});
      samples.push(parseMetrics(await res.text()));
      if (samples.length > KEEP) samples.shift();
      note.textContent = `Polling /_s2lite/metrics every 2 seconds; ${samples.length} samples.`;
      redraw();
    } catch (e) {
      note.textContent = `Metrics unavailable: ${e.message}`;
    }
  };

  const loadRecent = async () => {
    if (!admin) {
      recent.replaceChildren(
          h('h2', {}, 'Recent requests'),
          h('p', {class: 'muted'}, 'Only admin users can see the recent requests of every user.'));
      return;
    }
    try {
      const rows = await client.recentRequests();
      recent.replaceChildren(
          h('h2', {}, 'Recent requests'),
          table(
              `Last ${rows.length} requests, newest first`,
              ['Time', 'Operation', 'Bucket', 'Key', 'Status', 'Duration', 'In', 'Out', 'User'],
              rows.map(
                  (r) =>
                      h('tr', {class: r.status >= 400 ? 'bad' : ''},
                        h('td', {}, new Date(r.time_ms).toLocaleTimeString()),
                        h('td', {}, r.operation), h('td', {}, r.bucket),
                        h('td', {class: 'key'}, r.key),
                        h('td', {}, r.error_code ? `${r.status} ${r.error_code}` : r.status),
                        h('td', {class: 'num'}, `${r.duration_ms.toFixed(1)} ms`),
                        h('td', {class: 'num'}, bytes(r.bytes_in)),
                        h('td', {class: 'num'}, bytes(r.bytes_out)), h('td', {}, r.user))),
              {id: 'recent-table'}));
    } catch (e) {
      recent.replaceChildren(h('h2', {}, 'Recent requests'), h('p', {class: 'error'}, explain(e)));
    }
  };

  await Promise.all([poll(), loadRecent()]);
  const timers = [setInterval(poll, POLL_MS), setInterval(loadRecent, 3000)];
  const onResize = () => redraw();
  window.addEventListener('resize', onResize);
  return () => {
    timers.forEach(clearInterval);
    window.removeEventListener('resize', onResize);
  };
}
