// The dashboard's logic: a snapshot over the REST routes, then live updates from GET /events.
'use strict';

const dash = { connected: false, equityPoints: 0, fills: 0, positions: 0, state: '', lastTicket: null, events: 0 };
window.dash = dash; // read by the browser test

let token = sessionStorage.getItem('execution-node-token') || '';
const positions = new Map();
const openOrders = new Map();
const brokers = new Map(); // by name: the status event's list, then each change as it happens
let equitySeries = null;
let pnlSeries = null;
let lastTime = 0;

const $ = (id) => document.getElementById(id);

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (cls) td.className = cls;
  return td;
}

function row(cells) {
  const tr = document.createElement('tr');
  cells.forEach((c) => tr.appendChild(typeof c === 'object' ? c : cell(c)));
  return tr;
}

/// Money for display: cents; the exact value stays in the JSON.
function cents(s) {
  const v = Number(s);
  return Number.isFinite(v) ? v.toFixed(2) : s;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: 'Bearer ' + token },
                           body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { json = { error: text }; }
  return { status: res.status, json };
}

function makeCharts() {
  if (equitySeries || !window.LightweightCharts) return;
  const LC = window.LightweightCharts;
  const opts = (el) => ({
    width: el.clientWidth, height: el.clientHeight,
    layout: { background: { color: '#111418' }, textColor: '#9fb3c8' },
    grid: { vertLines: { color: '#1e242c' }, horzLines: { color: '#1e242c' } },
    timeScale: { timeVisible: true, secondsVisible: true },
  });
  const eq = LC.createChart($('equity-chart'), opts($('equity-chart')));
  equitySeries = eq.addSeries(LC.LineSeries, { color: '#4fc3f7', lineWidth: 2 });
  const pnl = LC.createChart($('pnl-chart'), opts($('pnl-chart')));
  pnlSeries = pnl.addSeries(LC.BaselineSeries, { baseValue: { type: 'price', price: 0 } });
  window.addEventListener('resize', () => {
    eq.applyOptions({ width: $('equity-chart').clientWidth });
    pnl.applyOptions({ width: $('pnl-chart').clientWidth });
  });
}

function addPoint(nowNs, equity, pnl) {
  makeCharts();
  const t = Math.floor(Number(nowNs) / 1e9);
  if (!equitySeries || !(t > lastTime)) return;
  lastTime = t;
  equitySeries.update({ time: t, value: Number(equity) });
  pnlSeries.update({ time: t, value: Number(pnl) });
  dash.equityPoints++;
}

function setState(state) {
  dash.state = state;
  const b = $('state');
  b.textContent = 'trading: ' + state;
  b.className = 'badge ' + state;
}

function renderPositions() {
  const body = $('positions').tBodies[0];
  body.replaceChildren();
  [...positions.values()].sort((a, b) => a.ticker.localeCompare(b.ticker)).forEach((p) => {
    body.appendChild(row([p.ticker, p.quantity, p.average_price, cents(p.market_value),
                          cents(p.unrealized_pnl), cents(p.realized_pnl)]));
  });
  dash.positions = [...positions.values()].filter((p) => Number(p.quantity) !== 0).length;
}

function renderOrders() {
  const body = $('orders').tBodies[0];
  body.replaceChildren();
  [...openOrders.values()].slice(-50).forEach((o) => {
    const btn = document.createElement('button');
    btn.textContent = 'cancel';
    btn.onclick = () => api('DELETE', '/orders/' + encodeURIComponent(o.order_id));
    const td = document.createElement('td');
    td.appendChild(btn);
    body.appendChild(row([o.order_id, o.strategy, o.side, o.quantity || o.leaves_quantity, o.ticker,
                          o.order_type || '', o.price || '', o.status, td]));
  });
}

function addFill(f) {
  const body = $('fills').tBodies[0];
  const tr = row([f.order_id, f.side, f.quantity, f.ticker, f.price, cents(f.commission)]);
  tr.className = 'fresh';
  body.insertBefore(tr, body.firstChild);
  while (body.rows.length > 50) body.deleteRow(body.rows.length - 1);
  dash.fills++;
}

function renderBrokers(brokers, ready) {
  const body = $('brokers').tBodies[0];
  body.replaceChildren();
  (brokers || []).forEach((b) => body.appendChild(row([b.broker, b.state, 'restarts ' + b.restarts, b.reason])));
  if (ready) Object.entries(ready.checks || {}).forEach(([name, c]) =>
    body.appendChild(row([name, c.ok ? 'ok' : 'NOT OK', '', c.detail])));
}

function renderRisk(r) {
  const body = $('risk').tBodies[0];
  body.replaceChildren();
  const l = r.limits || {};
  const c = r.counters || {};
  [['max position', l.max_position_size], ['max order $', l.max_order_size],
   ['max daily trades', l.max_daily_trades], ['orders/s', l.max_orders_per_second],
   ['trades today', c.daily_trades], ['open orders', c.open_orders], ['rejected', c.rejected]]
    .forEach(([k, v]) => body.appendChild(row([k, v])));
  Object.entries(c.rejects_by_reason || {}).forEach(([k, v]) =>
    body.appendChild(row([cell('rejected ' + k, 'rejected'), v])));
  setState(r.trading_state);
}

function onStatus(s) {
  $('status-line').textContent = s.status_line;
  $('clock').textContent = new Date(Number(s.now) / 1e6).toISOString();
  setState(s.trading_state);
  addPoint(s.now, s.account.equity, s.metrics.total_pnl);
  brokers.clear();
  (s.brokers || []).forEach((b) => brokers.set(b.broker, b));
  renderBrokers([...brokers.values()], lastReady);
}

// The node sends its events in batches (at most ten a second): tables are
// redrawn once per batch, not once per event.
const dirty = new Set();
function redraw(what) {
  if (dirty.size === 0) setTimeout(() => {
    if (dirty.has('orders')) renderOrders();
    if (dirty.has('positions')) renderPositions();
    if (dirty.has('brokers')) renderBrokers([...brokers.values()], lastReady);
    dirty.clear();
  }, 0);
  dirty.add(what);
}

// Over its caps a batch leaves events out and says so: refetch what is shown.
let lastGapRefetch = 0;
async function onGap() {
  const now = Date.now();
  if (now - lastGapRefetch < 1000) return;
  lastGapRefetch = now;
  const fills = await api('GET', '/fills?limit=50');
  if (fills.status === 200) {
    $('fills').tBodies[0].replaceChildren();
    const counted = dash.fills;
    fills.json.forEach(addFill);
    dash.fills = counted; // live fills only
  }
  await refresh();
}

function onEvent(name, data) {
  dash.events++;
  if (name === 'status') onStatus(data);
  else if (name === 'fill') addFill(data);
  else if (name === 'position') { positions.set(data.ticker, data); redraw('positions'); }
  else if (name === 'broker') { brokers.set(data.broker, data); redraw('brokers'); }
  else if (name === 'gap') onGap().catch(() => {});
  else if (name === 'order') {
    const open = ['pending_new', 'new', 'partially_filled', 'pending_cancel'].includes(data.status);
    if (open) openOrders.set(data.order_id, Object.assign(openOrders.get(data.order_id) || {}, data));
    else openOrders.delete(data.order_id);
    redraw('orders');
  }
}

async function stream() {
  const res = await fetch('/events', { headers: { Authorization: 'Bearer ' + token } });
  if (res.status !== 200) throw new Error('events: HTTP ' + res.status);
  dash.connected = true;
  $('conn').textContent = 'live';
  $('conn').className = 'badge on';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let end;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const frame = pending.slice(0, end);
      pending = pending.slice(end + 2);
      let name = '';
      let data = '';
      frame.split('\n').forEach((line) => {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      });
      if (name) onEvent(name, JSON.parse(data));
    }
  }
}

let lastReady = null;

async function refresh() {
  const [risk, ready, pos, orders] = await Promise.all([
    api('GET', '/risk'), api('GET', '/ready'), api('GET', '/positions'), api('GET', '/orders?status=open&limit=50')]);
  if (risk.status === 200) renderRisk(risk.json);
  lastReady = ready.json;
  if (pos.status === 200) { positions.clear(); pos.json.forEach((p) => positions.set(p.ticker, p)); renderPositions(); }
  if (orders.status === 200) { openOrders.clear(); orders.json.forEach((o) => openOrders.set(o.order_id, o)); renderOrders(); }
}

async function connect() {
  const status = await api('GET', '/status');
  if (status.status === 401) {
    $('conn').textContent = 'wrong token';
    return;
  }
  sessionStorage.setItem('execution-node-token', token);
  onStatus(Object.assign({ brokers: [] }, status.json));
  const fills = await api('GET', '/fills?limit=50');
  if (fills.status === 200) fills.json.forEach(addFill);
  dash.fills = 0; // count only the live ones
  await refresh();
  setInterval(() => refresh().catch(() => {}), 2000);
  const loop = () => stream().catch(() => {
    dash.connected = false;
    $('conn').textContent = 'reconnecting';
    $('conn').className = 'badge off';
  }).finally(() => setTimeout(loop, 2000));
  loop();
}

async function setTrading(state) {
  const r = await api('PUT', '/trading-state', { state, by: 'dashboard', reason: $('reason').value });
  if (r.status === 200) setState(r.json.trading_state);
}

$('halt').onclick = () => setTrading('halted');
$('reduce').onclick = () => setTrading('reducing');
$('resume').onclick = () => setTrading('active');

$('ticket').onsubmit = async (e) => {
  e.preventDefault();
  const body = { ticker: $('t-ticker').value, side: $('t-side').value, quantity: $('t-qty').value,
                 type: $('t-type').value };
  if (body.type === 'limit') body.price = $('t-price').value;
  const r = await api('POST', '/orders', body);
  dash.lastTicket = r.json;
  const out = $('ticket-result');
  if (r.status === 201) { out.textContent = 'accepted ' + r.json.order.order_id; out.className = ''; }
  else { out.textContent = 'rejected: ' + (r.json.reason || r.json.error); out.className = 'rejected'; }
};

$('login').onsubmit = (e) => {
  e.preventDefault();
  token = $('token').value;
  connect();
};

makeCharts();
if (token) connect();
