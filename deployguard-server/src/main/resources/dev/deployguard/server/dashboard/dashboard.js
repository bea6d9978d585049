// DeployGuard dashboard: live parts over server-sent events, SVG charts drawn here (no library, no CDN), and
// the action buttons, which call the JSON API with the session's CSRF token. All text from the server is set with
// textContent or arrives as HTML the server has escaped; nothing here builds HTML from data.
(function () {
  'use strict';
  var body = document.body;
  var view = body.dataset.view;
  var app = body.dataset.app;
  var csrf = body.dataset.csrf;
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = { stable: '#2b6cb0', canary: '#dd6b20', bound: '#c53030', lower: '#718096', upper: '#718096',
                 value: '#2f855a', weight: '#6b46c1', evalue: '#dd6b20', canarySamples: '#dd6b20',
                 stableSamples: '#2b6cb0' };

  var PHASES = { SUCCESSFUL: '#2f855a', FAILED: '#c53030', INCONCLUSIVE: '#b7791f', ERROR: '#718096' };

  function message(text, error) {
    var m = document.getElementById('message');
    if (!m) { return; }
    m.textContent = text;
    m.className = error ? 'error' : 'ok';
  }

  // ---- actions -----------------------------------------------------------------------------------------------
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('button.action') : null;
    if (!b || b.disabled) { return; }
    var action = b.dataset.action;
    var payload = {};
    if (action === 'rollback') {
      payload = { toRevision: Number(b.dataset.revision), changeCause: 'rollback from the dashboard' };
    }
    b.disabled = true;
    fetch('/api/apps/' + encodeURIComponent(app) + '/' + action, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-DeployGuard-CSRF': csrf },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
    }).then(function (r) {
      if (r.ok) {
        message(action + ': ' + (r.body.message || 'done'), false);
      } else {
        message(action + ' refused (' + r.status + '): ' + (r.body.error || ''), true);
      }
    }).catch(function (e) {
      message(action + ' failed: ' + e, true);
    }).then(function () { b.disabled = false; });
  });

  // ---- charts ------------------------------------------------------------------------------------------------
  var points = [];
  var seriesEl = document.getElementById('series');
  if (seriesEl) {
    points = JSON.parse(seriesEl.textContent).points || [];
  }

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) { return '-'; }
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) { return v.toExponential(1); }
    return String(Math.round(v * 1000) / 1000);
  }

  // lines: [{name, values: [number|null], dashed}] over xs (epoch ms); opts.log for a log10 axis.
  function draw(id, xs, lines, opts) {
    var fig = document.getElementById(id);
    if (!fig) { return; }
    var plot = fig.querySelector('.plot');
    var W = 460, H = 196, L = 52, R = 10, T = 10, B = 38;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img' });
    var tr = opts.log ? function (v) { return v > 0 ? Math.log10(v) : null; } : function (v) { return v; };
    var lo = Infinity, hi = -Infinity;
    lines.forEach(function (l) {
      l.values.forEach(function (v) {
        var t = v === null || v === undefined ? null : tr(v);
        if (t !== null && isFinite(t)) { lo = Math.min(lo, t); hi = Math.max(hi, t); }
      });
    });
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (opts.zero && !opts.log) { lo = Math.min(lo, 0); }
    if (hi - lo < 1e-9) { hi = lo + 1; }
    var pad = (hi - lo) * 0.08; hi += pad; if (!opts.zero || opts.log) { lo -= pad; }
    var x0 = xs.length ? xs[0] : 0, x1 = xs.length ? xs[xs.length - 1] : 1;
    if (x1 === x0) { x1 = x0 + 1; }
    function X(x) { return L + (x - x0) / (x1 - x0) * (W - L - R); }
    function Y(v) { return T + (1 - (v - lo) / (hi - lo)) * (H - T - B); }
    el('rect', { x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fff', stroke: '#cbd5e0' }, svg);
    [lo, (lo + hi) / 2, hi].forEach(function (t) {
      var lab = el('text', { x: L - 4, y: Y(t) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#4a5568' }, svg);
      lab.textContent = fmt(opts.log ? Math.pow(10, t) : t);
    });
    var secs = Math.round((x1 - x0) / 1000);
    var xl = el('text', { x: W - R, y: H - B + 14, 'text-anchor': 'end', 'font-size': 10, fill: '#4a5568' }, svg);
    var drawn = lines.length > 0 && lines[0].values.some(function (v) { return v !== null && v !== undefined; });
    xl.textContent = !xs.length ? 'waiting for the first analysis look'
      : !drawn && opts.empty ? opts.empty + ' · ' + secs + ' s' : secs + ' s';
    lines.forEach(function (l, i) {
      var d = '', pen = false;
      l.values.forEach(function (v, j) {
        var t = v === null || v === undefined ? null : tr(v);
        if (t === null || !isFinite(t)) { pen = false; return; }
        d += (pen ? 'L' : 'M') + X(xs[j]).toFixed(1) + ' ' + Y(t).toFixed(1) + ' ';
        pen = true;
      });
      var attrs = { d: d || 'M0 0', fill: 'none', stroke: COLORS[l.key] || '#2d3748', 'stroke-width': 1.8,
                    'data-series': l.name };
      if (l.dashed) { attrs['stroke-dasharray'] = '5 4'; }
      el('path', attrs, svg);
      if (i === 0 && opts.marks) { // each measurement's phase: the condition's result at that point
        l.values.forEach(function (v, j) {
          var t = v === null || v === undefined ? null : tr(v);
          var none = t === null || !isFinite(t); // an Error measurement has no value: a hollow mark on the axis
          var c = el('circle', { cx: X(xs[j]).toFixed(1), cy: (none ? Y(lo) : Y(t)).toFixed(1), r: 2.6,
                                 fill: none ? '#fff' : PHASES[opts.marks[j]] || '#2d3748',
                                 stroke: PHASES[opts.marks[j]] || '#2d3748',
                                 'class': 'mark ' + String(opts.marks[j]).toLowerCase() }, svg);
          if (opts.titles) { el('title', {}, c).textContent = opts.titles[j]; } // the measurement, on hover
        });
      }
      var key = el('text', { x: L + i * 100, y: H - 4, 'font-size': 10, fill: COLORS[l.key] || '#2d3748' }, svg);
      key.textContent = (l.dashed ? '- - ' : '— ') + l.name;
    });
    plot.replaceChildren(svg);
    fig.dataset.n = String(xs.length);
  }

  function col(f) { return points.map(f); }
  function pct(v) { return v === null || v === undefined ? null : v * 100; }
  function metric(p, name) {
    for (var i = 0; i < p.metrics.length; i++) { if (p.metrics[i].name === name) { return p.metrics[i]; } }
    return null;
  }
  function field(name, f) { return col(function (p) { var m = metric(p, name); return m ? m[f] : null; }); }
  function cumulative(f) {
    var sum = 0; return col(function (p) { sum += f(p); return sum; });
  }

  function render() {
    if (view !== 'rollout') { return; }
    var xs = col(function (p) { return p.t; });
    draw('chart-weight', xs, [{ name: 'canary weight', key: 'weight',
      values: col(function (p) { return p.weight / 100; }) }], { zero: true });
    draw('chart-errors', xs, [
      { name: 'stable', key: 'stable', values: col(function (p) { return pct(p.stable.errorRate); }) },
      { name: 'canary', key: 'canary', values: col(function (p) { return pct(p.canary.errorRate); }) }], { zero: true });
    draw('chart-latency', xs, [
      { name: 'stable', key: 'stable', values: col(function (p) { return p.stable.latencyMillis; }) },
      { name: 'canary', key: 'canary', values: col(function (p) { return p.canary.latencyMillis; }) }], { zero: true });
    draw('chart-evalue', xs, [
      { name: 'e-value', key: 'evalue', values: col(function (p) { return p.eValue; }) },
      { name: '1/alpha (roll back)', key: 'bound', dashed: true, values: col(function (p) { return p.rollbackAt; }) }],
      { log: true });
    draw('chart-ratio', xs, [
      { name: 'observed', key: 'value', values: field('errors', 'value') },
      { name: 'lower', key: 'lower', dashed: true, values: field('errors', 'lower') },
      { name: 'upper', key: 'upper', dashed: true,
        values: field('errors', 'upper').map(function (v) { return v !== null && v >= 1e9 ? null : v; }) },
      { name: 'tolerance', key: 'bound', dashed: true, values: field('errors', 'bound') }], { zero: true });
    draw('chart-samples', xs, [
      { name: 'canary', key: 'canarySamples', values: cumulative(function (p) { return p.canary.requests; }) },
      { name: 'stable', key: 'stableSamples', values: cumulative(function (p) { return p.stable.requests; }) }],
      { zero: true });
    var names = [];
    points.forEach(function (p) {
      p.metrics.forEach(function (m) { if (m.name !== 'errors' && names.indexOf(m.name) < 0) { names.push(m.name); } });
    });
    var holder = document.getElementById('metric-charts');
    names.forEach(function (n) {
      var id = 'chart-metric-' + n.replace(/[^A-Za-z0-9_-]/g, '_');
      if (!document.getElementById(id)) {
        var fig = document.createElement('figure');
        fig.className = 'chart'; fig.id = id; fig.dataset.n = '0';
        var cap = document.createElement('figcaption');
        var plot = document.createElement('div'); plot.className = 'plot';
        fig.appendChild(cap); fig.appendChild(plot); holder.appendChild(fig);
      }
      // A judge gives some metrics no confidence bounds (latency: pairs slower than stable against 50%): those
      // lines are left out rather than drawn empty. Before the judge has a value (its latency warm-up ignores the
      // first pairs) the chart says so instead of showing a lone bound.
      var lower = field(n, 'lower');
      var upper = field(n, 'upper').map(function (v) { return v !== null && v >= 1e9 ? null : v; });
      function some(vs) { return vs.some(function (v) { return v !== null && v !== undefined; }); }
      var bounded = some(field(n, 'upper')) || some(lower);
      var lines = [{ name: 'value', key: 'value', values: field(n, 'value') },
        { name: 'bound', key: 'bound', dashed: true, values: field(n, 'bound') }];
      if (bounded) {
        lines.push({ name: 'lower', key: 'lower', dashed: true, values: lower },
          { name: 'upper', key: 'upper', dashed: true, values: upper });
      }
      document.getElementById(id).querySelector('figcaption').textContent = 'Metric ' + n
        + ': value against its bound' + (bounded ? ', with confidence bounds' : '');
      draw(id, xs, lines, { empty: 'no value yet (no samples past the judge\'s warm-up)' });
    });
  }
  render();

  // ---- custom metrics: one chart per metric, one point per measurement (analysis.metric events) ------------------
  var measured = [];
  var measuredEnd = 0;
  var measuredEl = document.getElementById('metric-series');
  if (measuredEl) {
    var ms = JSON.parse(measuredEl.textContent);
    measured = ms.points || [];
    measuredEnd = ms.end || 0;
  }

  function renderMeasured() {
    var holder = document.getElementById('custom-metric-charts');
    if (!holder) { return; }
    var byName = {}, names = [];
    measured.forEach(function (p) {
      if (!byName[p.metric]) { byName[p.metric] = []; names.push(p.metric); }
      byName[p.metric].push(p);
    });
    names.forEach(function (n) {
      var ps = byName[n];
      var last = ps[ps.length - 1];
      var relative = ps.some(function (p) { return p.canary !== null && p.canary !== undefined; });
      var id = 'chart-custom-' + n.replace(/[^A-Za-z0-9_-]/g, '_');
      var fig = document.getElementById(id);
      if (!fig) {
        fig = document.createElement('figure');
        fig.className = 'chart custom'; fig.id = id; fig.dataset.n = '0'; fig.dataset.metric = n;
        var cap = document.createElement('figcaption');
        var plot = document.createElement('div'); plot.className = 'plot';
        fig.appendChild(cap); fig.appendChild(plot); holder.appendChild(fig);
      }
      var caption = fig.querySelector('figcaption');
      caption.textContent = 'Metric ' + n + (relative ? ': canary and stable' : ': value') + ' · ';
      if (last.dryRun) {
        var dry = document.createElement('span');
        dry.className = 'dry-run'; dry.textContent = 'dry run';
        caption.appendChild(dry);
        caption.appendChild(document.createTextNode(' · '));
      }
      var phase = document.createElement('span');
      phase.className = 'metric-phase ' + String(last.phase).toLowerCase();
      phase.textContent = last.phase;
      caption.appendChild(phase);
      caption.appendChild(document.createTextNode(' · last ' + last.measurement + ' ' +
        (last.value === null || last.value === undefined ? '(no value)'
          : (relative ? 'ratio ' : '') + fmt(last.value))));
      fig.dataset.phase = last.phase;
      fig.dataset.dryRun = String(!!last.dryRun);
      var xs = ps.map(function (p) { return p.t; });
      var marks = ps.map(function (p) { return p.measurement; });
      var lines = relative ? [
        { name: 'canary', key: 'canary', values: ps.map(function (p) { return p.canary; }) },
        { name: 'stable', key: 'stable', values: ps.map(function (p) { return p.stable; }) }]
        : [{ name: 'value', key: 'value', values: ps.map(function (p) { return p.value; }) }];
      draw(id, xs, lines, { zero: true, marks: marks, titles: ps.map(function (p) { return p.text; }) });
    });
  }
  renderMeasured();

  // ---- live updates ------------------------------------------------------------------------------------------
  if (!window.EventSource) { return; }
  var params = 'view=' + encodeURIComponent(view) + (app ? '&app=' + encodeURIComponent(app) : '');
  var holderEl = document.getElementById('rollout');
  if (holderEl) {
    var seriesData = seriesEl ? JSON.parse(seriesEl.textContent) : { end: 0 };
    params += '&rollout=' + encodeURIComponent(holderEl.dataset.rollout) + '&from=' + (seriesData.end || 0) +
      '&mfrom=' + measuredEnd;
  }
  var sigs = [];
  document.querySelectorAll('.live[data-sig]').forEach(function (e) { sigs.push(e.id + ':' + e.dataset.sig); });
  params += '&sig=' + encodeURIComponent(sigs.join(','));
  var source = new EventSource('/ui/stream?' + params);
  var dot = document.getElementById('live');
  source.onopen = function () { if (dot) { dot.className = 'live-dot on'; } };
  source.onerror = function () { if (dot) { dot.className = 'live-dot off'; } };
  source.addEventListener('fragment', function (ev) {
    var f = JSON.parse(ev.data);
    var target = document.getElementById(f.id);
    if (target) {
      target.innerHTML = f.html; // HTML rendered and escaped by the server
      target.dataset.sig = f.sig;
    }
  });
  source.addEventListener('points', function (ev) {
    var s = JSON.parse(ev.data);
    points = points.concat(s.points);
    if (points.length > 2000) { points = points.slice(points.length - 2000); }
    render();
  });
  source.addEventListener('measurements', function (ev) {
    var s = JSON.parse(ev.data);
    measured = measured.concat(s.points);
    if (measured.length > 5000) { measured = measured.slice(measured.length - 5000); }
    renderMeasured();
  });
}());
