// The /dashboard page of the metrics port. For each method that has served calls: its latency
// percentile curve (from /latency, HdrHistogram .hgrm text in microseconds) and its calls and
// errors per second over the last minutes (from /history, the daemon's own recent history),
// redrawn every REFRESH_MS. Plain <canvas>, no library: the page must work where the metrics
// port has no internet access. Every plot carries data-* attributes (data-points, peaks) so a
// test, or a curious operator, can tell whether it holds data.
'use strict';

(function () {
  const REFRESH_MS = 2000;
  const W = 560;
  const H = 230;
  const M = {left: 60, right: 22, top: 26, bottom: 34};
  const COLOR = {latency: '#2a7a3b', calls: '#1f5fbf', errors: '#d0312d', grid: '#e6e6e6', axis: '#444', text: '#333'};

  const panels = new Map(); // method -> {section, summary, latency, rates}
  let refreshes = 0;

  const byId = (id) => document.getElementById(id);

  async function get(url) {
    const r = await fetch(url, {cache: 'no-store'});
    if (!r.ok) {
      throw new Error(url + ': HTTP ' + r.status + ' ' + (await r.text()).trim());
    }
    return r;
  }

  // .hgrm rows are "value percentile total_count 1/(1-percentile)"; the row at percentile 1 has
  // no finite x on the 1/(1-p) axis, so it is left out of the curve and reported as the max.
  function parseHgrm(text) {
    const out = {points: [], max: 0, count: 0};
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const footer = /^#\[Max\s*=\s*([0-9.]+),\s*Total count\s*=\s*([0-9]+)/.exec(line);
      if (footer) {
        out.max = Number(footer[1]);
        out.count = Number(footer[2]);
        continue;
      }
      if (line === '' || line.startsWith('#') || line.startsWith('Value')) {
        continue;
      }
      const f = line.split(/\s+/).map(Number);
      if (f.length >= 3 && !f.some(Number.isNaN) && f[1] < 1) {
        out.points.push({x: 1 / (1 - f[1]), us: f[0]});
      }
    }
    return out;
  }

  // The smallest of 1, 2, 2.5, 5 times a power of ten that is at least v.
  function niceCeil(v) {
    if (!(v > 0)) {
      return 1;
    }
    const e = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (m * e >= v * (1 - 1e-9)) {
        return m * e;
      }
    }
    return 10 * e;
  }

  // Three significant digits at most, no trailing zeros: 137, 80, 5.61, 0.25.
  function num(v) {
    return String(v >= 100 ? Math.round(v) : Number(v.toPrecision(3)));
  }

  // A canvas sharp at the screen's pixel ratio, cleared, with the plot area's bounds.
  function prepare(canvas) {
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(W * ratio)) {
      canvas.width = Math.round(W * ratio);
      canvas.height = Math.round(H * ratio);
      canvas.style.width = W + 'px';
      canvas.style.height = H + 'px';
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, W, H);
    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    return {g, x0: M.left, x1: W - M.right, y0: H - M.bottom, y1: M.top};
  }

  function message(p, text) {
    p.g.fillStyle = COLOR.text;
    p.g.textAlign = 'center';
    p.g.fillText(text, (p.x0 + p.x1) / 2, (p.y0 + p.y1) / 2);
  }

  // Horizontal grid and labels from 0 to yMax in five steps; the y axis title on the left.
  function yAxis(p, yMax, title) {
    const g = p.g;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 5; i++) {
      const y = p.y0 - (p.y0 - p.y1) * i / 5;
      g.strokeStyle = i === 0 ? COLOR.axis : COLOR.grid;
      g.beginPath();
      g.moveTo(p.x0, y);
      g.lineTo(p.x1, y);
      g.stroke();
      g.fillStyle = COLOR.text;
      g.fillText(num(yMax * i / 5), p.x0 - 6, y);
    }
    g.save();
    g.translate(14, (p.y0 + p.y1) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'center';
    g.fillText(title, 0, 0);
    g.restore();
  }

  function xTick(p, x, label, grid) {
    const g = p.g;
    g.strokeStyle = grid ? COLOR.grid : COLOR.axis;
    g.beginPath();
    g.moveTo(x, grid ? p.y1 : p.y0);
    g.lineTo(x, p.y0 + 4);
    g.stroke();
    g.fillStyle = COLOR.text;
    g.textAlign = 'center';
    g.textBaseline = 'top';
    g.fillText(label, x, p.y0 + 7);
  }

  function polyline(p, color, xs, ys) {
    const g = p.g;
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    for (let i = 0; i < xs.length; i++) {
      if (i === 0) {
        g.moveTo(xs[i], ys[i]);
      } else {
        g.lineTo(xs[i], ys[i]);
      }
    }
    g.stroke();
    g.lineWidth = 1;
  }

  function legend(p, entries) {
    const g = p.g;
    let x = p.x0;
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    for (const [color, text] of entries) {
      g.fillStyle = color;
      g.fillRect(x, 8, 14, 4);
      g.fillStyle = COLOR.text;
      g.fillText(text, x + 18, 10);
      x += 24 + g.measureText(text).width;
    }
  }

  // Latency against percentile, x on HdrHistogram's log scale of 1/(1-p): 0%, 90%, 99%, 99.9%...
  function drawLatency(canvas, h, emptyText) {
    const p = prepare(canvas);
    canvas.dataset.points = String(h.points.length);
    canvas.dataset.count = String(h.count);
    canvas.dataset.maxUs = String(h.max);
    if (h.points.length === 0) {
      message(p, emptyText);
      return;
    }
    const inMs = h.max >= 1000;
    const scale = inMs ? 1e-3 : 1;
    const yMax = niceCeil(h.max * scale);
    // decades of 1/(1-p) to show: 99% at least; 1e-9 so that p = 0.99 (x = 100.00000001) stays at 2
    const decades = Math.max(2, Math.ceil(Math.log10(h.points[h.points.length - 1].x) - 1e-9));
    yAxis(p, yMax, 'latency (' + (inMs ? 'ms' : '\u00b5s') + ')');
    for (let k = 0; k <= decades; k++) {
      const label = k === 0 ? '0%' : (100 * (1 - Math.pow(10, -k))).toFixed(Math.max(0, k - 2)) + '%';
      xTick(p, p.x0 + (p.x1 - p.x0) * k / decades, label, k > 0);
    }
    const xs = h.points.map((pt) => p.x0 + (p.x1 - p.x0) * Math.log10(pt.x) / decades);
    const ys = h.points.map((pt) => p.y0 - (p.y0 - p.y1) * Math.min(1, pt.us * scale / yMax));
    polyline(p, COLOR.latency, xs, ys);
    legend(p, [[COLOR.latency, h.count + ' calls, max ' + num(h.max * scale) + (inMs ? ' ms' : ' \u00b5s')]]);
  }

  // Calls and errors per second against time, the newest sample at the right edge.
  function drawRates(canvas, t, calls, errors, spanS) {
    const p = prepare(canvas);
    const callsPeak = calls.length ? Math.max(...calls) : 0;
    const errorsPeak = errors.length ? Math.max(...errors) : 0;
    canvas.dataset.points = String(t.length);
    canvas.dataset.callsPeak = String(callsPeak);
    canvas.dataset.errorsPeak = String(errorsPeak);
    if (t.length === 0) {
      message(p, 'waiting for the second sample of the history');
      return;
    }
    const yMax = niceCeil(Math.max(callsPeak, errorsPeak, 1));
    yAxis(p, yMax, 'per second');
    const step = [1, 2, 5, 10, 15, 30, 60, 120].find((s) => spanS / s <= 6) || 300;
    for (let s = 0; s <= spanS; s += step) {
      const label = s === 0 ? 'now' : s % 60 === 0 ? '-' + s / 60 + ' min' : '-' + s + ' s';
      xTick(p, p.x1 - (p.x1 - p.x0) * s / spanS, label, s > 0);
    }
    const newest = t[t.length - 1];
    const xs = t.map((ms) => p.x1 - (p.x1 - p.x0) * Math.min(1, (newest - ms) / 1000 / spanS));
    const y = (v) => p.y0 - (p.y0 - p.y1) * Math.min(1, v / yMax);
    polyline(p, COLOR.calls, xs, calls.map(y));
    polyline(p, COLOR.errors, xs, errors.map(y));
    legend(p, [[COLOR.calls, 'calls/s (peak ' + num(callsPeak) + ')'],
      [COLOR.errors, 'errors/s: non-OK status (peak ' + num(errorsPeak) + ')']]);
  }

  function panel(method) {
    let e = panels.get(method);
    if (e) {
      return e;
    }
    const section = document.createElement('section');
    section.className = 'method';
    section.dataset.method = method;
    const title = document.createElement('h2');
    title.textContent = method;
    const summary = document.createElement('small');
    title.appendChild(summary);
    const plots = document.createElement('div');
    plots.className = 'plots';
    const figure = (cls, caption) => {
      const f = document.createElement('figure');
      const c = document.createElement('canvas');
      c.className = cls;
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', caption + ', ' + method);
      const cap = document.createElement('figcaption');
      cap.textContent = caption;
      f.append(cap, c);
      plots.appendChild(f);
      return {canvas: c, caption: cap};
    };
    const latency = figure('latency', 'latency percentiles');
    const rates = figure('rates', 'calls and errors per second');
    section.append(title, plots);
    e = {section, summary, latency, rates};
    panels.set(method, e);
    return e;
  }

  async function refresh() {
    const latencyWindow = byId('window').value;
    const history = await (await get('history')).json();
    const active = history.methods.filter((m) => m.calls_total > 0);
    const idle = history.methods.filter((m) => m.calls_total === 0);
    const hgrms = await Promise.all(active.map((m) =>
      get('latency?method=' + encodeURIComponent(m.method) + '&window=' + latencyWindow)
        .then((r) => r.text()).then(parseHgrm, (err) => ({points: [], max: 0, count: 0, error: err.message}))));
    // the x axis spans what the history holds (a young daemon's seconds fill the plot), at
    // least 10 s, at most the ring's capacity
    const t = history.t_ms;
    const intervalS = history.sample_interval_ms / 1000;
    const heldS = t.length ? (t[t.length - 1] - t[0]) / 1000 + intervalS : 0;
    const spanS = Math.min(history.capacity_intervals * intervalS, Math.max(10, heldS));
    const spanText = spanS >= 60 ? num(spanS / 60) + ' min' : Math.round(spanS) + ' s';
    const windowText = latencyWindow === 'recent' ? 'last ' + history.latency_window_s + ' s' : 'since start';

    byId('no-calls').hidden = active.length > 0;
    byId('idle').hidden = idle.length === 0;
    const idleList = byId('idle-list');
    idleList.replaceChildren(...idle.map((m) => {
      const li = document.createElement('li');
      li.textContent = m.method;
      li.dataset.method = m.method;
      li.dataset.state = 'no-calls';
      return li;
    }));

    const main = byId('methods');
    for (const [method, e] of panels) {
      if (!active.some((m) => m.method === method)) {
        e.section.remove();
        panels.delete(method);
      }
    }
    active.forEach((m, i) => {
      const e = panel(m.method);
      main.appendChild(e.section); // keeps the order of /history (by name)
      const last = m.calls_per_s.length ? m.calls_per_s[m.calls_per_s.length - 1] : 0;
      e.summary.textContent = m.calls_total + ' calls, ' + m.errors_total + ' errors since start; ' + num(last) + ' calls/s now';
      e.latency.caption.textContent = 'latency percentiles, ' + windowText + (hgrms[i].error ? ' (' + hgrms[i].error + ')' : '');
      e.rates.caption.textContent = 'calls and errors per second, last ' + spanText;
      drawLatency(e.latency.canvas, hgrms[i], hgrms[i].error ? 'could not read /latency' : 'no calls in the ' + windowText);
      drawRates(e.rates.canvas, t, m.calls_per_s, m.errors_per_s, spanS);
    });
    return history;
  }

  async function loop() {
    const status = byId('status');
    try {
      const history = await refresh();
      document.body.dataset.state = 'ok';
      status.textContent = 'updated ' + new Date().toLocaleTimeString() + ', every ' + REFRESH_MS / 1000 + ' s'
        + (history.sampler_error ? '; history sampler failing: ' + history.sampler_error : '');
    } catch (err) {
      document.body.dataset.state = 'error';
      status.textContent = 'refresh failed (' + err.message + '); trying again every ' + REFRESH_MS / 1000 + ' s';
    }
    refreshes++;
    document.body.dataset.refreshes = String(refreshes);
    setTimeout(loop, REFRESH_MS);
  }

  byId('window').addEventListener('change', () => {
    refresh().catch(() => {}); // the loop reports failures on its next turn
  });
  loop();
})();
