// stress_testing dashboard: renders one results-shaped document (docs/results.md) in four views.
//
// Static mode: the document is embedded in <script id="results" type="application/json">.
// Live mode (<meta name="stress-testing-mode" content="live">): the document so far in
// <script id="snapshot"> (else GET /api/snapshot), then
// Server-Sent Events from /api/events, one message per interval (docs/dashboard.md).
//
// Every text that comes from a configuration or a result is inserted with textContent, never as
// HTML. Every key number carries a data-metric attribute (and data-value with the raw number) so
// tests read them from the DOM. A missing figure shows "—": nothing is invented.
'use strict';

(function () {
  const DASH = '—';
  const VIEWS = ['presentation', 'system', 'agents', 'admin'];
  const LEVELS = ['NONE', 'MODERATE', 'SEVERE', 'CRITICAL'];

  let doc = {};
  let live = false;
  let agentHistory = []; // [{t, agents}] gathered from live messages
  let charts = {};
  let renderPending = false;

  // ---- small helpers ---------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

  function fmt(v, opts = {}) {
    if (!isNum(v)) return DASH;
    const d = opts.digits;
    if (opts.percent) return (v * 100).toLocaleString('en-US', { maximumFractionDigits: d ?? 2 }) + ' %';
    if (opts.money && opts.compact && Math.abs(v) >= 1e5) return '$' + v.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 });
    if (opts.money) return '$' + v.toLocaleString('en-US', { minimumFractionDigits: d ?? 2, maximumFractionDigits: d ?? 2 });
    if (opts.compact && Math.abs(v) >= 1e6) return v.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 2 });
    return v.toLocaleString('en-US', { maximumFractionDigits: d ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 2 : 4) });
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  /** Sets a metric element's text and raw value (data-value, empty when absent). */
  function setMetric(node, value, opts) {
    if (!node) return;
    node.textContent = typeof value === 'string' ? value : fmt(value, opts);
    node.setAttribute('data-value', isNum(value) ? String(value) : typeof value === 'string' ? value : '');
  }
  function metric(name, value, opts) {
    document.querySelectorAll('[data-metric="' + name + '"]').forEach((n) => setMetric(n, value, opts));
  }
  /** A value cell with a data-metric name. */
  function metricEl(tag, name, value, opts) {
    const e = el(tag, { 'data-metric': name });
    setMetric(e, value, opts);
    return e;
  }
  function clear(node) { while (node && node.firstChild) node.removeChild(node.firstChild); return node; }

  function kv(dl, rows) {
    clear(dl);
    for (const [label, name, value, opts] of rows) {
      dl.appendChild(el('dt', null, label));
      dl.appendChild(metricEl('dd', name, value, opts));
    }
  }

  function table(t, headers, rows) {
    clear(t);
    const thead = el('thead', null, el('tr', null, ...headers.map((h) => el('th', null, h))));
    const tbody = el('tbody');
    for (const r of rows) tbody.appendChild(el('tr', null, ...r.map((c) => (c instanceof Node ? c : el('td', null, String(c))))));
    t.appendChild(thead);
    t.appendChild(tbody);
  }
  const safeId = (s) => String(s).replace(/[^A-Za-z0-9_-]/g, '_');

  // ---- derived figures (only from what the document holds) -------------------------------------

  const intervals = () => (Array.isArray(doc.intervals) ? doc.intervals : []);
  const lastInterval = () => intervals()[intervals().length - 1];
  const hero = () => doc.hero_metrics || null;
  const business = () => doc.business_metrics || null;
  const summary = () => doc.summary || {};
  const agents = () => (Array.isArray(doc.agents) ? doc.agents : []);
  const windows = () => (doc.resilience && Array.isArray(doc.resilience.windows) ? doc.resilience.windows : []);

  function total(outcomes) {
    if (!outcomes) return undefined;
    return Object.values(outcomes).reduce((a, b) => a + (isNum(b) ? b : 0), 0);
  }
  function outcomeRate(i, key) {
    const n = total(i.outcomes);
    return n > 0 && isNum(i.outcomes[key]) ? (100 * i.outcomes[key]) / n : null;
  }
  /** Current TPS: the run's figure once it is known, the last interval's while it runs. */
  function currentTps() {
    const h = hero();
    if (h && isNum(h.transactions_per_second) && !live) return h.transactions_per_second;
    const li = lastInterval();
    if (live && li && isNum(li.throughput_tps)) return li.throughput_tps;
    if (h && isNum(h.transactions_per_second)) return h.transactions_per_second;
    return summary().throughput_tps;
  }

  // ---- views -----------------------------------------------------------------------------------

  function renderHeader() {
    const sc = doc.scenario || {};
    metric('scenario-name', sc.name || sc.scenario_id || DASH);
    metric('scenario-description', sc.description || '');
    const status = doc.status || (live ? 'RUNNING' : DASH);
    metric('status', status);
    $('run-status').className = 'badge status-' + safeId(status).toLowerCase();
    const v = $('run-verdict');
    if (doc.verdict === 'inconclusive') {
      // No criterion failed, but the generator fell behind: the latency criteria were not judged.
      setMetric(v, 'INCONCLUSIVE');
      v.className = 'badge warn';
      v.hidden = false;
    } else if (typeof doc.passed === 'boolean') {
      setMetric(v, doc.passed ? 'PASSED' : 'FAILED');
      v.className = 'badge ' + (doc.passed ? 'ok' : 'bad');
      v.hidden = false;
    } else v.hidden = true;
    metric('mode', live ? (doc._connected === false ? 'live (disconnected)' : 'live') : 'report');
    const e = isNum(doc.elapsed_seconds) ? doc.elapsed_seconds : lastInterval() && lastInterval().end_seconds;
    const d = $('elapsed');
    setMetric(d, e);
    if (isNum(e)) d.textContent = fmt(e, { digits: 1 }) + ' s' + (isNum(get(doc, 'scenario.duration_seconds')) ? ' / ' + fmt(doc.scenario.duration_seconds, { digits: 1 }) + ' s' : '');
    document.body.classList.toggle('live', live);
    $('footer').textContent = (doc.started_at ? 'started ' + doc.started_at : '') + (doc.ended_at ? ' · ended ' + doc.ended_at : '') +
      (doc.status_reason ? ' · ' + doc.status_reason : '');
  }

  function renderPresentation() {
    const h = hero();
    const b = business();
    metric('hero-transactions', h ? h.total_transactions : b ? b.transactions_processed : undefined, { compact: true });
    metric('hero-fraud-blocked', h ? h.fraud_blocked : b ? b.fraud_detected : undefined, { compact: true });
    metric('hero-money-saved', h ? h.money_saved : b ? b.money_saved : undefined, { money: true, digits: 0, compact: true });
    // One uptime (ok / intended, docs/results.md): the hero's at the end, the resilience figure
    // (the same definition over the intervals so far) while the run is live.
    const uptime = h && isNum(h.uptime_percentage) ? h.uptime_percentage : get(doc, 'resilience.uptime_percentage');
    metric('hero-uptime', uptime, { digits: 2 });
    const up = document.querySelector('[data-metric="hero-uptime"]');
    if (up && isNum(uptime)) up.textContent += ' %';
    metric('hero-tps', currentTps(), { digits: 0 });
    $('hero-tps-label').textContent = live && doc.status !== 'COMPLETED' ? 'current transactions / s' : 'transactions / s';
    metric('hero-accuracy', h ? h.ai_accuracy : b ? b.fraud_detection_accuracy : undefined, { percent: true, digits: 1 });

    // Flow: ingestion -> agents -> decision.
    const flow = clear($('flow'));
    const s = summary();
    const elapsed = isNum(doc.elapsed_seconds) && doc.elapsed_seconds > 0 ? doc.elapsed_seconds : lastInterval() && lastInterval().end_seconds;
    const li = lastInterval();
    const offered = live && li && isNum(li.planned_tps) ? li.planned_tps
      : isNum(get(doc, 'accounting.intended')) && elapsed > 0 ? doc.accounting.intended / elapsed : undefined;
    const node = (id, kind, name, tps, latency, status) => el('div', { class: 'node ' + kind + (status ? ' ' + safeId(status) : ''), 'data-node': id },
      el('div', { class: 'node-name' }, name),
      el('div', { class: 'node-figs' }, metricEl('span', 'flow-' + id + '-tps', tps, { digits: 0 }), el('span', { class: 'unit' }, ' TPS')),
      el('div', { class: 'node-figs' }, metricEl('span', 'flow-' + id + '-latency', latency, { digits: 2 }), el('span', { class: 'unit' }, ' ms')));
    const arrow = () => el('div', { class: 'arrow' }, el('span', { class: 'dot' }), el('span', { class: 'dot d2' }), el('span', { class: 'dot d3' }));
    flow.appendChild(node('ingestion', 'ingestion', 'Ingestion', offered, s.queue_latency_ms));
    flow.appendChild(arrow());
    const col = el('div', { class: 'agents-col' });
    for (const a of agents()) {
      const tps = isNum(a.requests_processed) && elapsed > 0 ? a.requests_processed / elapsed : undefined;
      col.appendChild(node('agent-' + safeId(a.agent_id), 'agent', a.agent_name || a.agent_id, tps, a.avg_response_time_ms, a.status));
    }
    if (!agents().length) col.appendChild(el('div', { class: 'note' }, 'no per-agent data'));
    flow.appendChild(col);
    flow.appendChild(arrow());
    flow.appendChild(node('decision', 'decision', 'Decision', live && li ? li.throughput_tps : s.throughput_tps, s.avg_response_time_ms));

    kv($('business'), [
      ['fraud prevented', 'fraud-prevented', b && b.fraud_prevented_amount, { money: true }],
      ['fraud detected', 'fraud-detected', b && b.fraud_detected],
      ['detection rate', 'fraud-detection-rate', b && b.fraud_detection_rate, { percent: true }],
      ['detection accuracy', 'fraud-detection-accuracy', b && b.fraud_detection_accuracy, { percent: true }],
      ['customer impact score', 'customer-impact', b && b.customer_impact_score, { digits: 3 }],
      ['AI confidence', 'ai-confidence', h && h.ai_confidence, { percent: true, digits: 1 }],
      ['ROI', 'roi', b && b.roi_percentage, { digits: 0 }],
    ]);
    const roi = document.querySelector('#business [data-metric="roi"]');
    if (roi && isNum(b && b.roi_percentage)) roi.textContent += ' %';
    kv($('cost'), [
      ['cost per transaction', 'cost-per-transaction', b && b.cost_per_transaction, { money: true, digits: 5 }],
      ['total cost of the run', 'total-cost', b && b.total_cost, { money: true, digits: 4 }],
      ['transactions processed', 'business-transactions', b && b.transactions_processed],
    ]);
    const bd = clear($('cost-breakdown'));
    const parts = b && b.aws_cost_breakdown && typeof b.aws_cost_breakdown === 'object' ? Object.entries(b.aws_cost_breakdown).filter(([, v]) => isNum(v)) : [];
    const sum = parts.reduce((a, [, v]) => a + v, 0);
    for (const [k, v] of parts) {
      const pct = sum > 0 ? (100 * v) / sum : 0;
      bd.appendChild(el('div', { class: 'bar-row' }, el('span', { class: 'bar-label' }, k),
        el('span', { class: 'bar' }, el('span', { class: 'bar-fill', style: 'width:' + pct.toFixed(1) + '%' })),
        metricEl('span', 'cost-' + safeId(k), v, { money: true, digits: 4 })));
    }

    renderCompetitors();

    const ws = windows();
    $('resilience-empty').hidden = ws.length > 0;
    $('resilience-table').hidden = ws.length === 0;
    table($('resilience-table'), ['failure', 'window (s)', 'detected after', 'recovered after', 'requests affected'],
      ws.map((w, i) => [el('td', null, String(w.name)),
        el('td', null, fmt(w.start_seconds, { digits: 1 }) + ' – ' + fmt(w.end_seconds, { digits: 1 })),
        secCell('window-' + i + '-detected', w.detected_after_seconds),
        secCell('window-' + i + '-recovered', w.recovered_after_seconds, w.recovered === false ? 'not recovered' : undefined),
        metricEl('td', 'window-' + i + '-affected', w.requests_affected)]));
  }
  function secCell(name, v, absent) {
    const td = metricEl('td', name, v, { digits: 2 });
    if (isNum(v)) td.textContent += ' s';
    else if (absent) td.textContent = absent;
    return td;
  }

  // Competitors come only from the document (presentation.competitors, top level or in the
  // scenario): [{name, throughput_tps?, p99_response_time_ms?, cost_per_transaction?, ...}].
  function renderCompetitors() {
    const list = get(doc, 'presentation.competitors') || get(doc, 'scenario.presentation.competitors');
    const panel = $('competitors-panel');
    if (!Array.isArray(list) || list.length === 0) { panel.hidden = true; return; }
    panel.hidden = false;
    const ours = {
      throughput_tps: summary().throughput_tps,
      p95_response_time_ms: summary().p95_response_time_ms,
      p99_response_time_ms: summary().p99_response_time_ms,
      error_rate: summary().error_rate,
      cost_per_transaction: business() && business().cost_per_transaction,
      fraud_detection_accuracy: business() && business().fraud_detection_accuracy,
    };
    const keys = Object.keys(ours).filter((k) => list.some((c) => c && isNum(c[k])));
    table($('competitors'), ['', ...keys],
      [[el('td', null, 'this run'), ...keys.map((k) => metricEl('td', 'ours-' + k, ours[k]))],
        ...list.map((c, i) => [el('td', null, String((c && c.name) || 'competitor ' + (i + 1))),
          ...keys.map((k) => metricEl('td', 'competitor-' + i + '-' + k, c ? c[k] : undefined))])]);
  }

  function renderSystem() {
    const s = summary();
    const m = doc.metrics || {};
    const k = clear($('system-kpis'));
    const li = lastInterval() || {};
    const kpi = (label, name, value, opts, unit) => {
      const v = metricEl('div', name, value, opts);
      v.className = 'kpi-value';
      if (unit && isNum(value)) v.textContent += unit;
      k.appendChild(el('div', { class: 'kpi' }, v, el('div', { class: 'kpi-label' }, label)));
    };
    kpi('throughput (TPS)', 'tps', s.throughput_tps ?? li.throughput_tps, { digits: 1 });
    kpi('p50 (ms)', 'p50', s.p50_response_time_ms ?? li.p50_response_time_ms, { digits: 2 });
    kpi('p95 (ms)', 'p95', s.p95_response_time_ms ?? li.p95_response_time_ms, { digits: 2 });
    kpi('p99 (ms)', 'p99', s.p99_response_time_ms ?? li.p99_response_time_ms, { digits: 2 });
    kpi('error rate', 'error-rate', s.error_rate ?? li.error_rate, { percent: true, digits: 3 });
    kpi('timeout rate', 'timeout-rate', s.timeout_rate, { percent: true, digits: 3 });
    kpi('throttle rate', 'throttle-rate', m.throttle_rate, { percent: true, digits: 3 });
    kpi('max degradation', 'max-degradation', get(doc, 'resilience.max_degradation_level') || li.degradation_level || DASH);
    kpi('uptime (ok / intended)', 'uptime', get(doc, 'resilience.uptime_percentage'), { digits: 2 }, ' %');
    kpi('time at CRITICAL (s)', 'downtime', get(doc, 'resilience.downtime_seconds'), { digits: 1 });

    const crit = Array.isArray(doc.criteria) ? doc.criteria : [];
    table($('criteria'), ['criterion', 'description', 'actual', 'verdict'],
      crit.map((c, i) => {
        const v = metricEl('td', 'criterion-' + i + '-verdict', String(c.verdict));
        v.className = 'verdict ' + safeId(c.verdict);
        return [el('td', null, String(c.expression)), el('td', null, String(c.description || '')),
          metricEl('td', 'criterion-' + i + '-actual', c.actual), v];
      }));
    const a = doc.accounting || {};
    kv($('accounting'), [
      ['intended', 'intended', a.intended], ['issued', 'issued', a.issued],
      ...Object.entries(a.outcomes || {}).map(([o, n]) => [o, 'outcome-' + safeId(o), n]),
      ['dropped at limit', 'dropped-at-limit', a.dropped_at_limit], ['not sent at stop', 'not-sent-at-stop', a.not_sent_at_stop],
      ['balanced', 'balanced', typeof a.balanced === 'boolean' ? (a.balanced ? 'yes' : 'NO') : undefined],
    ]);
  }

  function renderAgents() {
    const list = agents();
    $('agents-empty').hidden = list.length > 0;
    table($('agents-table'), ['agent', 'status', 'requests', 'load', 'concurrency (mean)', 'avg ms', 'p95 ms', 'p99 ms', 'success', 'errors', 'timeouts', 'health'],
      list.map((a) => {
        const id = 'agent-' + safeId(a.agent_id);
        const st = metricEl('td', id + '-status', String(a.status || DASH));
        st.className = 'verdict ' + safeId(a.status || '');
        return [el('td', null, String(a.agent_name || a.agent_id)), st,
          metricEl('td', id + '-requests', a.requests_processed), metricEl('td', id + '-load', a.current_load, { digits: 2 }),
          metricEl('td', id + '-concurrency', a.concurrent_requests, { digits: 2 }),
          metricEl('td', id + '-avg', a.avg_response_time_ms, { digits: 2 }), metricEl('td', id + '-p95', a.p95_response_time_ms, { digits: 2 }),
          metricEl('td', id + '-p99', a.p99_response_time_ms, { digits: 2 }), metricEl('td', id + '-success', a.success_rate, { percent: true }),
          metricEl('td', id + '-errors', a.error_count), metricEl('td', id + '-timeouts', a.timeout_count),
          metricEl('td', id + '-health', a.health_score, { digits: 3 })];
      }));
  }

  function renderAdmin() {
    const s = summary();
    const li = lastInterval() || {};
    kv($('resources'), [
      ['CPU (this process, last interval)', 'cpu-now', li.cpu_utilization, { percent: true }],
      ['CPU (whole run)', 'cpu-run', s.cpu_utilization, { percent: true }],
      ['memory', 'memory', s.memory_utilization, { percent: true, digits: 3 }],
      ['network (Mbit/s)', 'network-mbps', s.network_throughput_mbps, { digits: 2 }],
      ['in flight (last interval)', 'in-flight', li.in_flight],
      // Closed model only (virtual users): intervals carry users {active, thinking, in_flight}.
      ...(li.users ? [['users active (last interval)', 'users-active', li.users.active],
        ['users thinking (last interval)', 'users-thinking', li.users.thinking]] : []),
    ]);
    const b = business();
    const elapsed = doc.elapsed_seconds;
    const perHour = b && isNum(b.total_cost) && isNum(elapsed) && elapsed > 0 ? (b.total_cost / elapsed) * 3600 : undefined;
    kv($('cost-tracking'), [
      ['cost of the run', 'cost-run', b && b.total_cost, { money: true, digits: 4 }],
      ['cost per hour', 'cost-per-hour', perHour, { money: true }],
      ['projected per day', 'cost-per-day', isNum(perHour) ? perHour * 24 : undefined, { money: true }],
      ['cost per transaction', 'admin-cost-per-transaction', b && b.cost_per_transaction, { money: true, digits: 5 }],
    ]);
    kv($('target-counters'), Object.entries(doc.target_counters || {}).map(([k, v]) => [k, 'counter-' + safeId(k), v]));
    const g = doc.generator || {};
    kv($('generator'), [
      ['limited', 'generator-limited', typeof g.limited === 'boolean' ? (g.limited ? 'YES' : 'no') : undefined],
      ['late requests', 'late-requests', g.late_requests],
      ['send lag p99 (ms)', 'send-lag-p99', g.send_lag_p99_ms, { digits: 3 }],
      ['send lag max (ms)', 'send-lag-max', g.send_lag_max_ms, { digits: 3 }],
    ]);
    $('controls').hidden = !live;
  }

  // ---- charts (uPlot) --------------------------------------------------------------------------

  const COLORS = ['#4fc3f7', '#ffb74d', '#e57373', '#81c784', '#ba68c8', '#fff176', '#90a4ae', '#f06292'];

  /** Draws the failure windows as shaded bands behind the series. */
  function windowsPlugin() {
    return {
      hooks: {
        drawClear: [(u) => {
          const ws = windows();
          if (!ws.length) return;
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = 'rgba(229, 115, 115, 0.18)';
          for (const w of ws) {
            if (!isNum(w.start_seconds) || !isNum(w.end_seconds)) continue;
            const x0 = u.valToPos(w.start_seconds, 'x', true);
            const x1 = u.valToPos(w.end_seconds, 'x', true);
            ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
          }
          ctx.restore();
        }],
      },
    };
  }

  function lineChart(key, container, seriesDefs, data, opts = {}) {
    const node = $(container);
    if (!node || node.offsetParent === null || typeof uPlot === 'undefined') return;
    const width = Math.max(300, node.clientWidth - 8);
    const options = {
      width, height: opts.height || 220,
      plugins: opts.bands === false ? [] : [windowsPlugin()],
      scales: { x: { time: false }, ...(opts.scales || {}) },
      axes: [{ stroke: '#aab', grid: { stroke: '#2a3040' }, label: opts.xLabel || 'seconds', ...(opts.xAxis || {}) },
        { stroke: '#aab', grid: { stroke: '#2a3040' }, size: 60, ...(opts.yAxis || {}) }],
      legend: { live: true },
      series: [{ label: opts.xName || 's' }, ...seriesDefs.map((s, i) => ({ stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false, ...s }))],
    };
    if (charts[key]) { charts[key].destroy(); delete charts[key]; }
    clear(node);
    charts[key] = new uPlot(options, data, node);
  }

  const col = (f) => intervals().map((i) => { const v = f(i); return isNum(v) ? v : null; });

  function renderCharts(view) {
    // An interval's figures describe [start, end): plot them at its middle, so a failure's
    // shaded window lines up with the intervals it touched.
    const xs = col((i) => (isNum(i.start_seconds) ? (i.start_seconds + i.end_seconds) / 2 : i.end_seconds));
    if (view === 'system') {
      const planned = col((i) => i.planned_tps);
      const defs = [];
      const data = [xs];
      if (planned.some((v) => v !== null)) { defs.push({ label: 'offered (planned)', dash: [6, 4] }); data.push(planned); }
      defs.push({ label: 'achieved (ok/s)' }); data.push(col((i) => i.throughput_tps));
      defs.push({ label: 'completed (all/s)' }); data.push(col((i) => i.completed_tps));
      lineChart('tps', 'chart-tps', defs, data);
      lineChart('latency', 'chart-latency', [{ label: 'p50' }, { label: 'p95' }, { label: 'p99' }],
        [xs, col((i) => i.p50_response_time_ms), col((i) => i.p95_response_time_ms), col((i) => i.p99_response_time_ms)]);
      lineChart('rates', 'chart-rates', [{ label: 'errors %' }, { label: 'timeouts %' }, { label: 'throttled %' }],
        [xs, col((i) => (isNum(i.error_rate) ? 100 * i.error_rate : null)), col((i) => outcomeRate(i, 'timeout')), col((i) => outcomeRate(i, 'throttled'))]);
      lineChart('degradation', 'chart-degradation', [{ label: 'level', paths: uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined, fill: 'rgba(255,183,77,0.2)' }],
        [xs, col((i) => { const l = LEVELS.indexOf(i.degradation_level); return l >= 0 ? l : null; })],
        { scales: { y: { range: [0, 3] } }, yAxis: { values: (u, vals) => vals.map((v) => LEVELS[v] || ''), splits: () => [0, 1, 2, 3], size: 90 } });
    } else if (view === 'agents') {
      const list = agents();
      if (list.length) {
        const ax = list.map((_, i) => i);
        const names = list.map((a) => String(a.agent_name || a.agent_id));
        // Overlapping bars, widest figure first, so each smaller one stays visible in front.
        const bars = (key, box, defs, data, yopts) => lineChart(key, box, defs.map((d) => ({ ...d, paths: uPlot.paths.bars({ size: [0.6, 60], align: 0 }), points: { show: false } })), [ax, ...data],
          { bands: false, xLabel: 'agent', xName: 'agent', scales: { x: { time: false, range: [-0.5, list.length - 0.5] }, ...(yopts || {}) },
            xAxis: { values: (u, vals) => vals.map((v) => (Number.isInteger(v) && names[v] !== undefined ? names[v] : '')), splits: () => ax } });
        bars('agent-latency', 'chart-agent-latency', [{ label: 'p99', fill: COLORS[2] + 'cc' }, { label: 'p95', fill: COLORS[1] + 'cc' }, { label: 'avg', fill: COLORS[0] + 'cc' }],
          [list.map((a) => a.p99_response_time_ms ?? null), list.map((a) => a.p95_response_time_ms ?? null), list.map((a) => a.avg_response_time_ms ?? null)]);
        bars('agent-load', 'chart-agent-load', [{ label: 'requests', fill: COLORS[3] + 'cc' }, { label: 'errors', fill: COLORS[2] + 'cc' }],
          [list.map((a) => a.requests_processed ?? null), list.map((a) => a.error_count ?? null)]);
        bars('agent-health', 'chart-agent-health', [{ label: 'success %', fill: COLORS[3] + 'cc' }, { label: 'health %', fill: COLORS[0] + 'cc' }],
          [list.map((a) => (isNum(a.success_rate) ? 100 * a.success_rate : null)), list.map((a) => (isNum(a.health_score) ? 100 * a.health_score : null))],
          { y: { range: [0, 100] } });
      }
      if (agentHistory.length >= 2) {
        $('agent-history-note').hidden = true;
        const ids = [...new Set(agentHistory.flatMap((h) => h.agents.map((a) => a.agent_id)))];
        lineChart('agent-history', 'chart-agent-history', ids.map((id) => ({ label: String(id) })),
          [agentHistory.map((h) => h.t), ...ids.map((id) => agentHistory.map((h) => { const a = h.agents.find((x) => x.agent_id === id); return a && isNum(a.avg_response_time_ms) ? a.avg_response_time_ms : null; }))]);
      }
    } else if (view === 'admin') {
      lineChart('cpu', 'chart-cpu', [{ label: 'CPU %', fill: 'rgba(79,195,247,0.15)' }], [xs, col((i) => (isNum(i.cpu_utilization) ? 100 * i.cpu_utilization : null))], { height: 180 });
    }
  }

  // ---- routing and rendering -------------------------------------------------------------------

  function currentView() {
    const h = (location.hash || '').replace('#', '');
    return VIEWS.includes(h) ? h : 'presentation';
  }
  function showView() {
    const v = currentView();
    document.querySelectorAll('section.view').forEach((s) => { s.hidden = s.getAttribute('data-view') !== v; });
    document.querySelectorAll('nav.tabs a').forEach((a) => a.classList.toggle('active', a.getAttribute('data-view') === v));
    document.body.setAttribute('data-active-view', v);
    renderCharts(v);
  }

  function render() {
    renderPending = false;
    try {
      renderHeader();
      renderPresentation();
      renderSystem();
      renderAgents();
      renderAdmin();
      renderCharts(currentView());
      const blob = new Blob([JSON.stringify(doc, (k, v) => (k.startsWith('_') ? undefined : v), 2)], { type: 'application/json' });
      const a = $('export');
      if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
      a.href = URL.createObjectURL(blob);
      document.body.setAttribute('data-rendered', String(intervals().length));
    } catch (e) {
      $('footer').textContent = 'render error: ' + e.message;
      throw e;
    }
  }
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    // A timer, not requestAnimationFrame: headless browsers and background tabs may not draw frames.
    setTimeout(render, 100);
  }

  // ---- live mode -------------------------------------------------------------------------------

  /** Applies one SSE message: {interval, summary, hero_metrics, business_metrics, agents, resilience, status, ...}. */
  function applyUpdate(m) {
    if (!m || typeof m !== 'object') return;
    if (m.interval) {
      if (!Array.isArray(doc.intervals)) doc.intervals = [];
      const last = lastInterval();
      if (!last || !(m.interval.end_seconds <= last.end_seconds)) doc.intervals.push(m.interval);
    }
    if (m.document) doc = m.document; // the final document at the end of a run
    for (const k of ['summary', 'hero_metrics', 'business_metrics', 'agents', 'resilience', 'status', 'status_reason', 'passed', 'verdict',
      'elapsed_seconds', 'criteria', 'accounting', 'metrics', 'target_counters', 'generator', 'ended_at']) {
      if (k in m) doc[k] = m[k];
    }
    if (Array.isArray(m.agents) && m.agents.length && m.interval) agentHistory.push({ t: m.interval.end_seconds, agents: m.agents });
    if (agentHistory.length > 3600) agentHistory.shift();
    scheduleRender();
  }

  // The server inserts the document so far as <script id="snapshot">: the page paints at once;
  // then the event stream (whose first message is a fresh snapshot) keeps it current.
  function startLive() {
    const subscribe = () => {
      const es = new EventSource('api/events');
      es.onmessage = (ev) => { doc._connected = true; try { applyUpdate(JSON.parse(ev.data)); } catch (e) { /* skip a bad message */ } };
      es.onerror = () => { doc._connected = false; scheduleRender(); };
    };
    const snap = $('snapshot');
    if (snap) {
      try { doc = JSON.parse(snap.textContent) || {}; } catch (e) { doc = {}; }
      render();
      subscribe();
      return;
    }
    fetch('api/snapshot', { cache: 'no-store' }).then((r) => r.json()).then((d) => {
      doc = d || {};
      render();
      subscribe();
    }).catch((e) => { $('footer').textContent = 'cannot reach the run: ' + e.message; });
  }

  function control(path, body) {
    const token = $('token').value.trim();
    const out = $('control-result');
    out.textContent = '…';
    fetch(path, { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then((r) => r.text().then((t) => { out.textContent = r.status + ' ' + t; }))
      .catch((e) => { out.textContent = 'failed: ' + e.message; });
  }

  // ---- start -----------------------------------------------------------------------------------

  function init() {
    const embedded = $('results');
    const modeMeta = document.querySelector('meta[name="stress-testing-mode"]');
    live = !embedded && modeMeta && modeMeta.getAttribute('content') === 'live';
    document.body.setAttribute('data-mode', live ? 'live' : 'report');
    window.addEventListener('hashchange', showView);
    $('fullscreen').addEventListener('click', () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    });
    document.addEventListener('fullscreenchange', () => { document.body.classList.toggle('cinema', !!document.fullscreenElement); scheduleRender(); });
    let resizeTimer = 0;
    window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => renderCharts(currentView()), 150); });
    $('btn-stop').addEventListener('click', () => control('api/control/stop', {}));
    $('btn-inject').addEventListener('click', () => control('api/control/inject', {
      failure_type: $('failure-type').value, severity: Number($('failure-severity').value), duration_seconds: Number($('failure-duration').value),
    }));
    showView();
    if (embedded) {
      try { doc = JSON.parse(embedded.textContent); } catch (e) { $('footer').textContent = 'the embedded results are not valid JSON'; }
      render();
    } else if (live) {
      startLive();
    } else {
      $('footer').textContent = 'No results: open a report written by stress-run, or the live dashboard of a run.';
      render();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
