// stress_testing dashboard: renders one results-shaped document (docs/results.md) in five views.
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
  const VIEWS = ['presentation', 'system', 'agents', 'analytics', 'admin'];
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
  /** The seed's PresentationData (results.json `presentation`; live, each interval message's). */
  const presentation = () => (doc.presentation && typeof doc.presentation === 'object' ? doc.presentation : null);
  const flowNodes = () => (presentation() && Array.isArray(presentation().transaction_flow_data) ? presentation().transaction_flow_data : []);
  const business = () => doc.business_metrics || null;
  const summary = () => doc.summary || {};
  const agents = () => (Array.isArray(doc.agents) ? doc.agents : []);
  const windows = () => (doc.resilience && Array.isArray(doc.resilience.windows) ? doc.resilience.windows : []);
  /** Agents as the service reports them live (GET /stats, docs/dashboard.md `service`). */
  const serviceAgents = () => (doc.service && Array.isArray(doc.service.agents) ? doc.service.agents : []);
  const finished = () => !live || (doc.status && doc.status !== 'RUNNING' && doc.status !== 'STOPPING' && doc.status !== 'INITIALIZING');
  /** The business figures after each interval: results.json `business_series`, or live the
      `business` point each interval message carries. */
  function businessSeries() {
    if (Array.isArray(doc.business_series) && doc.business_series.length) return doc.business_series;
    return intervals().map((i) => i.business).filter((b) => b && typeof b === 'object');
  }
  /** Failure windows with their state: the live `schedule` (scheduled, active, past), else the
      plan's failures before the first interval, else the finished run's windows (all past). */
  function failureRows() {
    const ws = windows();
    if (Array.isArray(doc.schedule)) return doc.schedule.map((e) => ({ ...e, figures: isNum(e.window_index) ? ws[e.window_index] : undefined }));
    if (!ws.length && live && Array.isArray(get(doc, 'plan.failures')))
      return doc.plan.failures.map((f) => ({ name: f.name, start_seconds: f.start_seconds, end_seconds: f.end_seconds, state: 'scheduled' }));
    return ws.map((w) => ({ name: w.name, start_seconds: w.start_seconds, end_seconds: w.end_seconds, state: 'past', figures: w }));
  }

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
    // The plan as run (scaled), not the scenario's design text, which may quote unscaled figures.
    const plan = doc.plan || {};
    const parts = [];
    if (isNum(plan.peak_tps)) parts.push('peak ' + fmt(plan.peak_tps, { digits: 0 }) + ' transactions/s');
    if (isNum(plan.duration_seconds)) parts.push(fmt(plan.duration_seconds, { digits: 1 }) + ' s');
    const fails = Array.isArray(plan.failures) ? plan.failures : [];
    if (fails.length) parts.push(fails.map((f) => f.name + ' at ' + fmt(f.start_seconds, { digits: 1 }) + ' s').join(', '));
    metric('scenario-description', parts.length ? 'Plan as run: ' + parts.join(' · ') : sc.description || '');
    const subtitle = $('scenario-description');
    if (sc.description) subtitle.title = 'Design: ' + sc.description;
    const li0 = lastInterval();
    metric('as-of', live && !finished() && li0 ? '· figures as of ' + fmt(li0.end_seconds, { digits: 1 }) + ' s' : '');
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

    // Flow: ingestion -> agents -> decision, as results.json's `presentation` (live: each
    // interval's) holds it, derived once in C++ (run/presentation.hpp); nothing is computed here.
    const flow = clear($('flow'));
    const nodes = flowNodes();
    const node = (n) => {
      const id = safeId(n.node_id);
      const e = el('div', { class: 'node ' + safeId(n.node_type) + ' ' + safeId(n.status), 'data-node': n.node_id, 'data-status': n.status },
        el('div', { class: 'node-name' }, String(n.node_name)),
        el('div', { class: 'node-figs' }, metricEl('span', 'flow-' + id + '-tps', n.throughput), el('span', { class: 'unit' }, ' TPS')),
        el('div', { class: 'node-figs' }, metricEl('span', 'flow-' + id + '-latency', n.latency_ms, { digits: 2 }), el('span', { class: 'unit' }, ' ms')),
        el('div', { class: 'node-figs' }, metricEl('span', 'flow-' + id + '-error-rate', n.error_rate, { percent: true, digits: 2 }), el('span', { class: 'unit' }, ' errors')));
      if (typeof n.color === 'string' && /^#[0-9A-Fa-f]{6}$/.test(n.color)) e.style.borderColor = n.color;
      return e;
    };
    const arrow = () => el('div', { class: 'arrow' }, el('span', { class: 'dot' }), el('span', { class: 'dot d2' }), el('span', { class: 'dot d3' }));
    const ofType = (t) => nodes.filter((n) => n && n.node_type === t);
    if (!nodes.length) flow.appendChild(el('div', { class: 'note' }, 'no flow yet (it comes with the first interval)'));
    else {
      for (const n of ofType('ingestion')) flow.appendChild(node(n));
      flow.appendChild(arrow());
      const col = el('div', { class: 'agents-col' });
      for (const n of ofType('agent')) col.appendChild(node(n));
      if (!ofType('agent').length) col.appendChild(el('div', { class: 'note' }, 'no per-agent data (the target reports no agents)'));
      flow.appendChild(col);
      flow.appendChild(arrow());
      for (const n of ofType('decision')) flow.appendChild(node(n));
    }
    metric('business-narrative', presentation() && presentation().business_narrative || '');

    const pr = doc.projections || {};
    kv($('business'), [
      ['fraud prevented (USD, this run)', 'fraud-prevented', b && b.fraud_prevented_amount, { money: true }],
      ['fraud detected (transactions)', 'fraud-detected', b && b.fraud_detected],
      ['detection rate', 'fraud-detection-rate', b && b.fraud_detection_rate, { percent: true }],
      ['detection accuracy', 'fraud-detection-accuracy', b && b.fraud_detection_accuracy, { percent: true }],
      ['customer impact score', 'customer-impact', b && b.customer_impact_score, { digits: 3 }],
      ['AI confidence', 'ai-confidence', h && h.ai_confidence, { percent: true, digits: 1 }],
      ['return per $1 spent', 'return-per-dollar', pr.return_per_dollar, { money: true }],
      ['money saved per hour (projection)', 'money-saved-per-hour', pr.money_saved_per_hour, { money: true, digits: 0, compact: true }],
      ['money saved per day (projection)', 'money-saved-per-day', pr.money_saved_per_day, { money: true, digits: 0, compact: true }],
    ]);

    // Cost efficiency at this run's rate (presentation.cost_efficiency, per hour: projections).
    const ce = presentation() && presentation().cost_efficiency ? presentation().cost_efficiency : {};
    kv($('cost'), [
      ['cost per transaction', 'cost-per-transaction', ce.cost_per_transaction, { money: true, digits: 5 }],
      ['cost per fraud detected', 'cost-per-fraud-detected', ce.cost_per_fraud_detected, { money: true, digits: 4 }],
      ['total cost of the run', 'total-cost', b && b.total_cost, { money: true, digits: 4 }],
      ['cost per hour (projection)', 'cost-hourly', ce.current_hourly_cost, { money: true, digits: 4 }],
      ['cost per month (projection, 730 h)', 'cost-monthly', ce.current_monthly_cost, { money: true }],
      ['spent on failed requests per hour', 'cost-potential-savings', ce.potential_savings, { money: true, digits: 4 }],
      ['transactions processed', 'business-transactions', b && b.transactions_processed],
    ]);
    const bd = clear($('cost-breakdown'));
    const parts = [['lambda', ce.lambda_cost], ['dynamodb', ce.dynamodb_cost], ['kinesis', ce.kinesis_cost], ['bedrock', ce.bedrock_cost],
      ['other', ce.other_costs]].filter(([, v]) => isNum(v));
    for (const [k, v] of parts) {
      const pct = isNum(ce.current_hourly_cost) && ce.current_hourly_cost > 0 ? (100 * v) / ce.current_hourly_cost : 0;
      const cell = metricEl('span', 'cost-hourly-' + safeId(k), v, { money: true, digits: 4 });
      cell.textContent += ' /h';
      bd.appendChild(el('div', { class: 'bar-row' }, el('span', { class: 'bar-label' }, k),
        el('span', { class: 'bar' }, el('span', { class: 'bar-fill', style: 'width:' + pct.toFixed(1) + '%' })), cell));
    }
    const recs = clear($('cost-notes'));
    for (const r of Array.isArray(ce.optimization_recommendations) ? ce.optimization_recommendations : []) recs.appendChild(el('li', null, String(r)));

    renderCompetitors();

    const rows = failureRows();
    $('resilience-empty').hidden = rows.length > 0;
    $('resilience-table').hidden = rows.length === 0;
    table($('resilience-table'), ['failure', 'window (s)', 'state', 'detected after', 'recovered after', 'requests affected'],
      rows.map((r, i) => {
        const w = r.figures || {};
        const state = metricEl('td', 'window-' + i + '-state', r.state === 'past' ? 'over' : String(r.state));
        state.className = 'state ' + safeId(r.state);
        // A window still running has no recovery yet: "not recovered" is said only once it is over.
        const pending = r.state === 'scheduled' ? 'scheduled' : r.state === 'active' ? 'in progress' : undefined;
        return [el('td', null, String(r.name)),
          el('td', null, fmt(r.start_seconds, { digits: 1 }) + ' – ' + fmt(r.end_seconds, { digits: 1 })), state,
          secCell('window-' + i + '-detected', w.detected_after_seconds, pending || 'not detected'),
          secCell('window-' + i + '-recovered', r.state === 'past' ? w.recovered_after_seconds : undefined,
            pending || (w.recovered === false ? 'not recovered' : undefined)),
          r.figures ? metricEl('td', 'window-' + i + '-affected', w.requests_affected) : el('td', null, DASH)];
      }));
    renderAlerts();
    renderNotes();
  }

  /** Alerts (results.json `alerts`, live the same list so far): SLA violations by severity. */
  function renderAlerts() {
    const al = doc.alerts && Array.isArray(doc.alerts.events) ? doc.alerts.events : [];
    const th = doc.alerts && doc.alerts.thresholds;
    $('alerts-empty').hidden = al.length > 0;
    $('alerts-table').hidden = al.length === 0;
    table($('alerts-table'), ['severity', 'metric', 'from (s)', 'to (s)', 'worst', 'threshold'],
      al.map((a, i) => {
        const sev = metricEl('td', 'alert-' + i + '-severity', String(a.severity));
        sev.className = 'verdict ' + (a.severity === 'critical' ? 'fail' : 'inconclusive');
        const pct = a.metric === 'error_rate';
        return [sev, el('td', null, a.metric === 'error_rate' ? 'error rate' : 'p99 response time'),
          el('td', null, fmt(a.start_seconds, { digits: 1 })), el('td', null, a.active ? 'ongoing' : fmt(a.end_seconds, { digits: 1 })),
          metricEl('td', 'alert-' + i + '-worst', a.worst, pct ? { percent: true, digits: 3 } : { digits: 1 }),
          el('td', null, (pct ? '> ' + fmt(a.threshold, { percent: true, digits: 3 }) : '> ' + fmt(a.threshold, { digits: 0 }) + ' ms'))];
      }));
    $('alerts-rule').textContent = th ? 'Warning: error rate > ' + fmt(th.warning_error_rate, { percent: true, digits: 3 }) + ' or p99 > ' +
      fmt(th.warning_p99_ms, { digits: 0 }) + ' ms in an interval; critical: > ' + fmt(th.critical_error_rate, { percent: true, digits: 3 }) +
      ' or > ' + fmt(th.critical_p99_ms, { digits: 0 }) + ' ms.' : '';
    const banner = $('alerts-banner');
    const active = al.filter((a) => a.active);
    const worst = active.some((a) => a.severity === 'critical') ? 'critical' : active.length ? 'warning' : '';
    banner.hidden = !worst || !live;
    banner.className = 'banner ' + (worst === 'critical' ? 'bad' : 'warn');
    banner.textContent = worst ? 'ALERT (' + worst + '): ' + active.map((a) => (a.metric === 'error_rate' ? 'error rate ' + fmt(a.worst, { percent: true, digits: 2 }) : 'p99 ' + fmt(a.worst, { digits: 0 }) + ' ms')).join(', ') : '';
    banner.setAttribute('data-metric', 'alert-active');
    banner.setAttribute('data-value', worst);
  }

  /** The generator's note and the final summary slide. */
  function renderNotes() {
    const g = doc.generator || {};
    const gn = $('generator-note');
    gn.hidden = g.limited !== true;
    setMetric(document.querySelector('[data-metric="generator-note"]'), g.limited === true
      ? (g.reason || 'It sent requests later than planned (Admin › Generator).') + ' So the latency criteria were not judged either ' +
        'way: the service may do better than shown here. More generator threads or machines (stress-run --threads, sharding) give it a fair test.' : '');
    const h = hero();
    const pr = doc.projections || {};
    const slide = $('summary-slide');
    slide.hidden = !(finished() && h && document.body.classList.contains('presenter'));
    const lines = clear($('summary-lines'));
    if (h) {
      const line = (big, text) => lines.appendChild(el('div', { class: 'slide-line' }, el('span', { class: 'slide-big' }, big), ' ' + text));
      line(fmt(h.total_transactions, { compact: true }), 'transactions decided, with a planned peak of ' + fmt(get(doc, 'plan.peak_tps'), { digits: 0 }) + ' transactions/s');
      line(fmt(h.money_saved, { money: true, digits: 0, compact: true }), 'saved in ' + fmt(doc.elapsed_seconds, { digits: 0 }) + ' s; ' +
        fmt(pr.money_saved_per_day, { money: true, digits: 0, compact: true }) + ' per day if this rate held (projection)');
      line(fmt(pr.return_per_dollar, { money: true }), 'saved per $1 of running cost');
      line(fmt(h.uptime_percentage, { digits: 2 }) + ' %', 'of requests answered successfully' + (windows().length ? ', through ' + windows().length + ' injected failure(s)' : ''));
    }
  }
  function secCell(name, v, absent) {
    const td = metricEl('td', name, v, { digits: 2 });
    if (isNum(v)) td.textContent += ' s';
    else if (absent) td.textContent = absent;
    return td;
  }

  // Competitors come only from the user (stress-run --presentation FILE), never measured; the
  // comparison (our figures, the average, the improvement) is presentation.competitive_benchmarks.
  function renderCompetitors() {
    const cb = presentation() && presentation().competitive_benchmarks;
    const list = cb && Array.isArray(cb.competitors) ? cb.competitors : [];
    const panel = $('competitors-panel');
    if (!list.length) { panel.hidden = true; return; }
    panel.hidden = false;
    const ours = cb.our_performance || {};
    const avg = cb.competitor_avg || {};
    const imp = cb.improvement_percentage || {};
    const keys = Object.keys(avg).filter((k) => k in ours || k in imp);
    const extra = Object.keys(avg).filter((k) => !keys.includes(k));
    const cols = [...keys, ...extra];
    table($('competitors'), ['', ...cols],
      [[el('td', null, 'this run'), ...cols.map((k) => metricEl('td', 'ours-' + safeId(k), ours[k]))],
        ...list.map((c, i) => [el('td', null, String((c && c.name) || 'competitor ' + (i + 1))),
          ...cols.map((k) => metricEl('td', 'competitor-' + i + '-' + safeId(k), c && c.figures ? c.figures[k] : undefined))]),
        [el('td', null, 'competitors\' average'), ...cols.map((k) => metricEl('td', 'competitor-avg-' + safeId(k), avg[k]))],
        [el('td', null, 'this run better by (%)'), ...cols.map((k) => metricEl('td', 'improvement-' + safeId(k), imp[k], { digits: 1 }))]]);
    metric('market-position', cb.market_position || undefined);
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
    const svc = serviceAgents();
    $('agents-empty').hidden = list.length > 0 || svc.length > 0;
    if (!list.length && svc.length) {
      // Live: what the service says of each agent (GET /stats), between its last two readings.
      table($('agents-table'), ['agent (live, from the service)', 'calls', 'calls / s', 'time per call (ms)', 'load (share of capacity)', 'capacity'],
        svc.map((a) => {
          const id = 'agent-' + safeId(a.name);
          return [el('td', null, String(a.name)), metricEl('td', id + '-calls', a.calls), metricEl('td', id + '-rate', a.calls_per_second, { digits: 1 }),
            metricEl('td', id + '-busy', a.mean_busy_ms, { digits: 2 }), metricEl('td', id + '-load', a.load, { percent: true, digits: 1 }),
            metricEl('td', id + '-capacity', a.capacity)];
        }));
      return;
    }
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
    // A figure that cannot be measured says why, never 0 (docs/dashboard.md).
    const svc = doc.service || null;
    const targetBytes = svc && isNum(svc.resident_bytes) ? svc.resident_bytes : get(doc, 'target_stats.last.resident_bytes');
    const genBytes = get(doc, 'process.rss_bytes');
    const mb = (v) => (isNum(v) ? fmt(v / 1048576, { digits: 1 }) + ' MiB' : undefined);
    const why = (v, reason) => (isNum(v) ? v : 'unknown: ' + reason);
    const rows = [
      ['CPU, generator (last interval)', 'cpu-now', why(li.cpu_utilization, 'this process\'s /proc/self/stat could not be read'), { percent: true }],
      ['CPU, generator (whole run)', 'cpu-run', why(s.cpu_utilization, 'this process\'s /proc/self/stat could not be read'), { percent: true }],
      ['memory, generator (resident)', 'memory-generator', isNum(genBytes) ? mb(genBytes) : isNum(s.memory_utilization) ? fmt(s.memory_utilization, { percent: true, digits: 3 }) + ' of RAM' : 'unknown: /proc/self/statm could not be read'],
      ['memory, target (resident)', 'memory-target', isNum(targetBytes) ? mb(targetBytes) + (/embedded/.test(String((svc && svc.source) || get(doc, 'target_stats.source') || '')) ? ' (embedded: the same process as the generator)' : '')
        : 'unknown: ' + (svc || doc.target_stats ? 'the target\'s GET /stats reports no resident_bytes' : 'no GET /stats at the target (--stats-url, or --target-pid for a local service)')],
      ['network (Mbit/s)', 'network-mbps', s.network_throughput_mbps, { digits: 2 }],
      ['in flight (last interval)', 'in-flight', li.in_flight],
      // Closed model only (virtual users): intervals carry users {active, thinking, in_flight}.
      ...(li.users ? [['users active (last interval)', 'users-active', li.users.active],
        ['users thinking (last interval)', 'users-thinking', li.users.thinking]] : []),
    ];
    if (svc && isNum(svc.in_flight)) rows.push(['in flight at the service', 'service-in-flight', svc.in_flight]);
    if (svc && isNum(svc.queued)) rows.push(['queued at the service', 'service-queued', svc.queued]);
    kv($('resources'), rows);
    for (const n of ['memory-generator', 'memory-target']) {
      const d = document.querySelector('#resources [data-metric="' + n + '"]');
      const v = n === 'memory-target' ? targetBytes : genBytes;
      if (d) d.setAttribute('data-value', isNum(v) ? String(v) : '');
    }
    const b = business();
    const pr = doc.projections || {};
    kv($('cost-tracking'), [
      ['cost of the run', 'cost-run', b && b.total_cost, { money: true, digits: 4 }],
      ['cost per hour (projection)', 'cost-per-hour', pr.cost_per_hour, { money: true }],
      ['cost per day (projection)', 'cost-per-day', pr.cost_per_day, { money: true }],
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
    // Downloads: live, the server's files of the last finished run (token-guarded); in a report,
    // the embedded document itself.
    $('exports').hidden = !live;
    $('export').parentNode.hidden = live;
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
        { stroke: '#aab', grid: { stroke: '#2a3040' }, size: 60, ...(opts.yAxis || {}) }, ...(opts.extraAxes || [])],
      legend: { live: true },
      series: [{ label: opts.xName || 's' }, ...seriesDefs.map((s, i) => ({ stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false, ...s }))],
    };
    if (charts[key]) { charts[key].destroy(); delete charts[key]; }
    clear(node);
    charts[key] = new uPlot(options, data, node);
  }

  const col = (f) => intervals().map((i) => { const v = f(i); return isNum(v) ? v : null; });

  /** The story's marks: every failure window shaded and named (a scheduled one outlined only),
      its detection (▲) and recovery (●) where the analysis found them. */
  function storyPlugin() {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          const px = (v) => u.valToPos(v, 'x', true);
          const top = u.bbox.top;
          const bottom = u.bbox.top + u.bbox.height;
          ctx.font = Math.round(11 * devicePixelRatio) + 'px system-ui, sans-serif';
          for (const r of failureRows()) {
            if (!isNum(r.start_seconds) || !isNum(r.end_seconds)) continue;
            const x0 = px(r.start_seconds);
            const x1 = px(r.end_seconds);
            if (r.state === 'scheduled') {
              ctx.strokeStyle = 'rgba(229, 115, 115, 0.7)';
              ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
              ctx.strokeRect(x0, top, Math.max(1, x1 - x0), u.bbox.height);
              ctx.setLineDash([]);
            } else {
              ctx.fillStyle = r.state === 'active' ? 'rgba(229, 115, 115, 0.32)' : 'rgba(229, 115, 115, 0.2)';
              ctx.fillRect(x0, top, Math.max(1, x1 - x0), u.bbox.height);
            }
            ctx.fillStyle = '#e57373';
            ctx.fillText(r.name + (r.state === 'scheduled' ? ' (scheduled)' : r.state === 'active' ? ' (now)' : ''), x0 + 3, top + 12 * devicePixelRatio);
            const w = r.figures || {};
            const mark = (x, shape, color) => {
              ctx.fillStyle = color;
              ctx.beginPath();
              const y = bottom - 8 * devicePixelRatio;
              const d = 6 * devicePixelRatio;
              if (shape === 'tri') { ctx.moveTo(x, y - d); ctx.lineTo(x - d, y + d); ctx.lineTo(x + d, y + d); } else ctx.arc(x, y, d * 0.8, 0, 2 * Math.PI);
              ctx.fill();
            };
            if (isNum(w.detected_after_seconds)) mark(px(r.start_seconds + w.detected_after_seconds), 'tri', '#ffb74d');
            if (r.state === 'past' && isNum(w.recovered_after_seconds)) mark(px(r.end_seconds + w.recovered_after_seconds), 'dot', '#81c784');
          }
          ctx.restore();
        }],
      },
    };
  }

  /** The presentation's chart: offered and achieved TPS, p99 (ms) and money saved so far (USD),
      each on its own axis, over the whole planned duration (the future stays empty). */
  function storyChart() {
    const node = $('chart-story');
    if (!node || node.offsetParent === null || typeof uPlot === 'undefined') return;
    const xs = col((i) => (isNum(i.start_seconds) ? (i.start_seconds + i.end_seconds) / 2 : i.end_seconds));
    // Money saved is cumulative: drawn at each interval's end, matched by end time.
    const series = businessSeries();
    const money = intervals().map((i) => { const p = series.find((b) => Math.abs(b.end_seconds - i.end_seconds) < 1e-6); return p && isNum(p.money_saved) ? p.money_saved : null; });
    const duration = Math.max(get(doc, 'plan.duration_seconds') || 0, doc.elapsed_seconds || 0, xs.length ? xs[xs.length - 1] || 0 : 0);
    const tall = document.body.classList.contains('presenter');
    const opts = {
      width: Math.max(300, node.clientWidth - 8), height: tall ? Math.max(260, Math.round(window.innerHeight * 0.42)) : 280,
      plugins: [storyPlugin()],
      scales: { x: { time: false, range: [0, duration > 0 ? duration : 1] }, tps: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] },
        ms: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] }, usd: { range: (u, lo, hi) => [Math.min(0, lo), Math.max(1, hi * 1.1)] } },
      axes: [{ stroke: '#aab', grid: { stroke: '#2a3040' }, label: 'seconds' },
        { scale: 'tps', stroke: '#aab', grid: { stroke: '#2a3040' }, size: 60, label: 'transactions / s' },
        { scale: 'ms', side: 1, stroke: COLORS[2], grid: { show: false }, size: 60, label: 'p99 ms' },
        { scale: 'usd', side: 1, stroke: COLORS[3], grid: { show: false }, size: 70, label: 'saved (USD)',
          values: (u, vals) => vals.map((v) => fmt(v, { money: true, digits: 0, compact: true })) }],
      legend: { live: true },
      series: [{ label: 's' },
        { label: 'offered (planned)', scale: 'tps', stroke: COLORS[6], dash: [6, 4], width: 2 },
        { label: 'achieved (ok/s)', scale: 'tps', stroke: COLORS[0], width: 2, fill: 'rgba(79,195,247,0.08)' },
        { label: 'p99 (ms)', scale: 'ms', stroke: COLORS[2], width: 1.5 },
        { label: 'money saved', scale: 'usd', stroke: COLORS[3], width: 2.5, value: (u, v) => fmt(v, { money: true, digits: 0, compact: true }) }],
    };
    if (charts.story) { charts.story.destroy(); delete charts.story; }
    clear(node);
    charts.story = new uPlot(opts, [xs, col((i) => i.planned_tps), col((i) => i.throughput_tps), col((i) => i.p99_response_time_ms), money], node);
    node.setAttribute('data-points', String(xs.length));
  }

  /** Analytics: per-interval accuracy, false positives and the decision mix, from the business
      series' cumulative counts (differences between consecutive points). */
  function analyticsCharts() {
    const series = businessSeries();
    const xs = [];
    const acc = [];
    const fp = [];
    const tps = [];
    const mix = { approved: [], reviewed: [], declined: [], unanswered: [] };
    let prev = { transactions: 0, correct: 0, false_positives: 0, approved: 0, reviewed: 0, declined: 0, unanswered: 0, end_seconds: 0 };
    for (const p of series) {
      const d = (k) => (isNum(p[k]) && isNum(prev[k]) ? p[k] - prev[k] : null);
      const n = d('transactions');
      const correct = d('correct');  // decisions that matched the ground truth (TP + TN) in the interval
      const i = intervals().find((x) => Math.abs(x.end_seconds - p.end_seconds) < 1e-6);
      xs.push(p.end_seconds);
      acc.push(n > 0 && correct !== null ? (100 * correct) / n : null);
      fp.push(d('false_positives'));
      tps.push(i && isNum(i.throughput_tps) ? i.throughput_tps : null);
      const all = ['approved', 'reviewed', 'declined', 'unanswered'].reduce((a, k) => a + (d(k) || 0), 0);
      for (const k of Object.keys(mix)) mix[k].push(all > 0 ? (100 * (d(k) || 0)) / all : null);
      prev = p;
    }
    lineChart('accuracy', 'chart-accuracy', [{ label: 'accuracy %', scale: '%' }, { label: 'false positives', scale: 'n' }, { label: 'achieved TPS', scale: 'tps', dash: [6, 4] }],
      [xs, acc, fp, tps], { scales: { '%': { range: [0, 100] }, n: {}, tps: {} }, yAxis: { scale: '%', label: '%' },
        extraAxes: [{ scale: 'n', side: 1, stroke: COLORS[1], grid: { show: false }, size: 50, label: 'false positives' },
          { scale: 'tps', side: 1, stroke: COLORS[2], grid: { show: false }, size: 60, label: 'TPS' }] });
    lineChart('decisions', 'chart-decisions', [{ label: 'approve', fill: COLORS[3] + '33' }, { label: 'review', fill: COLORS[1] + '33' },
      { label: 'decline', fill: COLORS[2] + '33' }, { label: 'unanswered', stroke: COLORS[6] }],
    [xs, mix.approved, mix.reviewed, mix.declined, mix.unanswered], { scales: { y: { range: [0, 100] } } });
    const list = agents();
    table($('fallback-table'), ['agent', 'failures', 'timeouts', 'success', 'avg ms', 'p99 ms', 'p99 / avg'],
      list.map((a) => [el('td', null, String(a.agent_name || a.agent_id)), metricEl('td', 'fallback-' + safeId(a.agent_id) + '-errors', a.error_count),
        metricEl('td', 'fallback-' + safeId(a.agent_id) + '-timeouts', a.timeout_count), metricEl('td', 'fallback-' + safeId(a.agent_id) + '-success', a.success_rate, { percent: true }),
        metricEl('td', null, a.avg_response_time_ms, { digits: 2 }), metricEl('td', null, a.p99_response_time_ms, { digits: 2 }),
        metricEl('td', null, isNum(a.p99_response_time_ms) && a.avg_response_time_ms > 0 ? a.p99_response_time_ms / a.avg_response_time_ms : undefined, { digits: 1 })]));
  }

  function renderCharts(view) {
    // An interval's figures describe [start, end): plot them at its middle, so a failure's
    // shaded window lines up with the intervals it touched.
    const xs = col((i) => (isNum(i.start_seconds) ? (i.start_seconds + i.end_seconds) / 2 : i.end_seconds));
    if (view === 'presentation') {
      storyChart();
    } else if (view === 'analytics') {
      analyticsCharts();
    } else if (view === 'system') {
      capacityChart();
      const planned = col((i) => i.planned_tps);
      const defs = [];
      const data = [xs];
      if (planned.some((v) => v !== null)) { defs.push({ label: 'offered (planned)', dash: [6, 4] }); data.push(planned); }
      defs.push({ label: 'achieved (ok/s)' }); data.push(col((i) => i.throughput_tps));
      defs.push({ label: 'completed (all/s)' }); data.push(col((i) => i.completed_tps));
      lineChart('tps', 'chart-tps', defs, data);
      // A closed model's population beside its rates (intervals[].users: active at the interval's
      // end, and of those thinking or with a request in flight); an open model has none.
      const hasUsers = intervals().some((i) => i.users && isNum(i.users.active));
      const usersPanel = $('panel-users');
      if (usersPanel) usersPanel.hidden = !hasUsers;
      if (hasUsers) {
        const users = (k) => col((i) => (i.users ? i.users[k] : null));
        lineChart('users', 'chart-users', [{ label: 'active' }, { label: 'thinking' }, { label: 'in flight' }],
          [xs, users('active'), users('thinking'), users('in_flight')]);
      }
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

  /** `stress-run capacity`: the document's `curve` (capacity.json's, one point per offered rate) as
      p50 and p99 against the achieved rate, log latency like OUT/capacity.html; a whisker per
      point would need the bounds, the table in capacity.json has them. */
  function capacityChart() {
    const panel = $('panel-capacity');
    const curve = Array.isArray(doc.curve) ? doc.curve : null;
    if (panel) panel.hidden = !curve;
    if (!curve) return;
    const steps = Array.isArray(doc.steps) ? doc.steps.length : 0;
    $('capacity-note').textContent = (steps ? steps + ' step' + (steps === 1 ? '' : 's') + ' judged' : 'no step judged yet') +
      (typeof doc.summary === 'string' && doc.summary ? ' · ' + doc.summary : '');
    // uPlot needs x ascending: the curve is sorted by offered rate, the achieved one may not be.
    const pts = curve.filter((c) => isNum(c.achieved_rps)).slice().sort((a, b) => a.achieved_rps - b.achieved_rps);
    const ms = (c, k) => (c[k] && isNum(c[k].value) && c[k].value > 0 ? c[k].value : null);
    lineChart('capacity', 'chart-capacity', [{ label: 'p50 ms', points: { size: 7 } }, { label: 'p99 ms', points: { size: 7 } }],
      [pts.map((c) => c.achieved_rps), pts.map((c) => ms(c, 'p50_ms')), pts.map((c) => ms(c, 'p99_ms'))],
      { bands: false, xLabel: 'achieved rate (requests/s)', xName: '/s', scales: { y: { distr: 3 } } });
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
      if (!live) {
        const blob = new Blob([JSON.stringify(doc, (k, v) => (k.startsWith('_') ? undefined : v), 2)], { type: 'application/json' });
        const a = $('export');
        if (a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
        a.href = URL.createObjectURL(blob);
      }
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
    if (m.document) {
      // A run's first document (a supervisor starts another) or its final one.
      if (m.document.live && !(Array.isArray(m.document.intervals) && m.document.intervals.length)) agentHistory = [];
      doc = m.document;
      refreshRuns();
    }
    for (const k of ['summary', 'hero_metrics', 'business_metrics', 'agents', 'resilience', 'status', 'status_reason', 'passed', 'verdict',
      'elapsed_seconds', 'criteria', 'accounting', 'metrics', 'target_counters', 'generator', 'ended_at', 'projections', 'schedule',
      'service', 'process', 'alerts', 'plan', 'presentation', 'steps', 'curve']) {
      if (k in m) doc[k] = m[k];
    }
    if (Array.isArray(m.agents) && m.agents.length && m.interval) agentHistory.push({ t: m.interval.end_seconds, agents: m.agents });
    else if (m.service && Array.isArray(m.service.agents) && m.interval)
      agentHistory.push({ t: m.interval.end_seconds, agents: m.service.agents.map((a) => ({ agent_id: a.name, avg_response_time_ms: a.mean_busy_ms })) });
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
      .then((r) => r.text().then((t) => { setMetric(out, r.status + ' ' + t); refreshRuns(); }))
      .catch((e) => { out.textContent = 'failed: ' + e.message; });
  }

  // ---- the run supervisor (GET /api/runs; absent for a lone run) and the downloads ---------------

  let runsInfo = null;

  /** Downloads a finished run's file (GET /api/export/NAME[?run=ID], with the token) as a file. */
  function download(name, run) {
    const out = $('control-result');
    out.textContent = '…';
    const url = 'api/export/' + encodeURIComponent(name) + (run ? '?run=' + encodeURIComponent(run) : '');
    fetch(url, { cache: 'no-store', headers: { Authorization: 'Bearer ' + $('token').value.trim() } })
      .then((r) => {
        if (!r.ok) return r.text().then((t) => { setMetric(out, r.status + ' ' + t); });
        const id = r.headers.get('X-Stress-Testing-Run') || run || '';
        return r.blob().then((b) => {
          const a = el('a', { href: URL.createObjectURL(b), download: (id ? 'run-' + id + '-' : '') + name });
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(a.href), 60000);
          setMetric(out, r.status + ' ' + name + ' of run ' + id + ' downloaded (' + b.size + ' bytes)');
        });
      })
      .catch((e) => { out.textContent = 'failed: ' + e.message; });
  }

  function renderRuns() {
    const info = runsInfo;
    $('runs-panel').hidden = !live || !info;
    if (!info) return;
    const select = $('start-scenario');
    const chosen = select.value;
    if (select.options.length !== (info.scenarios || []).length) {
      clear(select);
      for (const sc of info.scenarios || []) select.appendChild(el('option', { value: sc.name }, String(sc.name)));
      if (chosen) select.value = chosen;
    }
    const sc = (info.scenarios || []).find((x) => x.name === select.value);
    const ts = Number($('start-time-scale').value);
    const ls = Number($('start-load-scale').value);
    // What the scales make of it (the server validates and says the exact plan when it starts).
    setMetric($('start-plan'), sc ? String(sc.description) + ' — as scaled: ' + fmt(sc.duration_seconds * ts) + ' s at a peak of ' +
      fmt(sc.peak_tps * ls) + '/s, ' + sc.failures + ' failure(s); target ' + String(info.target) +
      (isNum(info.running) ? '; run ' + info.running + ' is in progress' : '') + (info.accepting ? '' : '; shutting down') : '');
    $('btn-start').disabled = isNum(info.running) || !info.accepting;
    const rows = (info.runs || []).slice().reverse().map((r) => {
      const files = el('td', null);
      if (r.exports)
        for (const name of ['results.json', 'report.html', 'junit.xml', 'metrics.txt'])
          files.appendChild(el('button', { type: 'button', 'data-export': name, 'data-run': String(r.id) }, name));
      return [String(r.id), String(r.scenario), fmt(r.time_scale) + ' / ' + fmt(r.load_scale),
        metricEl('td', 'run-' + r.id + '-state', String(r.state)), metricEl('td', 'run-' + r.id + '-exit-code', r.exit_code), files];
    });
    table($('runs-table'), ['run', 'scenario', 'time / load scale', 'state', 'exit code', 'download'], rows);
  }

  function refreshRuns() {
    if (!live) return;
    fetch('api/runs', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((info) => { runsInfo = info; renderRuns(); })
      .catch(() => {});
  }

  // ---- start -----------------------------------------------------------------------------------

  function init() {
    const embedded = $('results');
    const modeMeta = document.querySelector('meta[name="stress-testing-mode"]');
    live = !embedded && modeMeta && modeMeta.getAttribute('content') === 'live';
    document.body.setAttribute('data-mode', live ? 'live' : 'report');
    window.addEventListener('hashchange', showView);
    // Presenter mode: the presentation view alone, full screen, large type; the summary slide at the end.
    const presenter = (on) => {
      document.body.classList.toggle('presenter', on);
      if (on && location.hash !== '#presentation') location.hash = '#presentation';
      if (on && document.documentElement.requestFullscreen && !document.fullscreenElement) document.documentElement.requestFullscreen().catch(() => {});
      scheduleRender();
    };
    $('presenter').addEventListener('click', () => presenter(!document.body.classList.contains('presenter')));
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && document.body.classList.contains('presenter')) presenter(false); });
    if (/(^|[?&])present(=1)?($|&)/.test(location.search)) presenter(true);
    $('fullscreen').addEventListener('click', () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    });
    document.addEventListener('fullscreenchange', () => { document.body.classList.toggle('cinema', !!document.fullscreenElement); scheduleRender(); });
    let resizeTimer = 0;
    window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => renderCharts(currentView()), 150); });
    $('btn-stop').addEventListener('click', () => control('api/control/stop', {}));
    $('btn-start').addEventListener('click', () => control('api/control/start', {
      scenario: $('start-scenario').value, time_scale: Number($('start-time-scale').value), load_scale: Number($('start-load-scale').value),
    }));
    for (const id of ['start-scenario', 'start-time-scale', 'start-load-scale']) $(id).addEventListener('input', renderRuns);
    // Every download button, now and later (the runs table is redrawn): data-export, data-run.
    document.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest('button[data-export]') : null;
      if (b) download(b.getAttribute('data-export'), b.getAttribute('data-run'));
    });
    $('btn-inject').addEventListener('click', () => control('api/control/inject', {
      failure_type: $('failure-type').value, severity: Number($('failure-severity').value), duration_seconds: Number($('failure-duration').value),
    }));
    showView();
    if (embedded) {
      try { doc = JSON.parse(embedded.textContent); } catch (e) { $('footer').textContent = 'the embedded results are not valid JSON'; }
      render();
    } else if (live) {
      startLive();
      refreshRuns();
    } else {
      $('footer').textContent = 'No results: open a report written by stress-run, or the live dashboard of a run.';
      render();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
