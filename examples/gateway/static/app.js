// The gateway's page: one market's depth and fills, the tender board and an
// order form, kept live by the gateway's output stream (server-sent events).
// IDs stay strings: order IDs may exceed what a JavaScript number holds.
"use strict";

const page = {
  seqs: [],        // every sequence number received, in order
  gaps: [],        // [{after, got}] where the stream skipped or repeated
  feedErrors: [],  // feed-error messages received
  firstRender: 0,  // performance.now() when the book was first drawn
  connects: 0,     // stream connections opened
  fills: 0,
  lastResult: null, // the last order placed through the form: {seq, events}
  lastSeq: 0,
  market: { category: "", basis: "" },
  categories: new Map(),
  participants: new Map(),
  tenders: new Map(),
};
window.agora = page;
window.agoraSeqs = page.seqs;

const $ = (id) => document.getElementById(id);
const rub = (p) => {
  const n = Number(p);
  const s = n < 0 ? "-" : "";
  const a = Math.abs(n);
  return `${s}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
};
const name = (id) => (page.participants.get(String(id)) || { name: `#${id}` }).name;

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
  return td;
}

async function getJSON(url, opts) {
  const res = await fetch(url, opts);
  const body = await res.json();
  if (!res.ok) {
    const e = body.error || {};
    throw new Error(`${res.status} ${e.reason}: ${e.description}${e.message ? " (" + e.message + ")" : ""}`);
  }
  return body;
}

async function loadCatalog() {
  const cat = await getJSON("/api/catalog");
  const cs = $("market-category"), bs = $("market-basis");
  for (const c of cat.categories) {
    page.categories.set(c.id, c);
    cs.add(new Option(`${c.code} ${c.name}`, c.id, false, c.code === "23.51.12"));
  }
  for (const b of cat.bases) bs.add(new Option(b.name, b.id, false, b.code === "MSK"));
  page.market = { category: cs.value, basis: bs.value };
  const change = () => {
    page.market = { category: cs.value, basis: bs.value };
    $("fills").replaceChildren();
    refreshDepth();
  };
  cs.onchange = change;
  bs.onchange = change;
}

async function loadParticipants() {
  const ps = await getJSON("/api/participants");
  const sel = $("order-participant");
  const keep = sel.value;
  sel.replaceChildren();
  for (const p of ps) {
    page.participants.set(p.id, p);
    if (p.status === "verified") sel.add(new Option(`${p.name} (INN ${p.inn})`, p.id));
  }
  if (keep) sel.value = keep;
}

function drawSide(tbody, levels, bid) {
  tbody.replaceChildren();
  for (const l of levels) {
    const tr = document.createElement("tr");
    if (bid) { cell(tr, l.orders); cell(tr, l.qty); cell(tr, rub(l.price)); }
    else { cell(tr, rub(l.price)); cell(tr, l.qty); cell(tr, l.orders); }
    tbody.appendChild(tr);
  }
}

let depthPending = false;
async function refreshDepth() {
  const m = page.market;
  const d = await getJSON(`/api/depth?category=${m.category}&basis=${m.basis}&levels=10`);
  if (d.market.category !== page.market.category || d.market.basis !== page.market.basis) return;
  drawSide($("bids"), d.bids, true);
  drawSide($("asks"), d.asks, false);
  if (!page.firstRender) {
    page.firstRender = performance.now();
    document.body.dataset.rendered = "true";
  }
}
function scheduleDepth() {
  if (depthPending) return;
  depthPending = true;
  setTimeout(() => { depthPending = false; refreshDepth().catch(showError); }, 30);
}

function inMarket(e) {
  return e.category === page.market.category && e.basis === page.market.basis;
}

function addFill(e) {
  const tr = document.createElement("tr");
  tr.className = "fill";
  tr.dataset.seq = e.seq;
  cell(tr, e.seq);
  cell(tr, rub(e.price));
  cell(tr, e.qty);
  cell(tr, `${name(e.participant)} ${e.side}`);
  cell(tr, name(e.maker_participant));
  $("fills").prepend(tr);
  page.fills++;
}

function tender(id) {
  let t = page.tenders.get(id);
  if (!t) {
    t = { id, bids: new Map(), awards: [], state: "open" };
    page.tenders.set(id, t);
  }
  return t;
}

function drawTenders() {
  const tb = $("tender-board");
  tb.replaceChildren();
  for (const t of [...page.tenders.values()].reverse()) {
    const tr = document.createElement("tr");
    tr.className = "tender";
    tr.dataset.tender = t.id;
    cell(tr, t.id);
    cell(tr, name(t.buyer));
    const c = page.categories.get(t.category);
    cell(tr, `${t.qty} ${c ? c.unit + " " + c.code : ""}`);
    cell(tr, t.reserve ? rub(t.reserve) : "-");
    cell(tr, t.closeAt ? new Date(t.closeAt).toLocaleTimeString() : "");
    cell(tr, t.state).className = "state";
    const bids = document.createElement("ul");
    for (const [who, b] of t.bids) {
      const li = document.createElement("li");
      li.textContent = `${name(who)}: ${b.qty} @ ${rub(b.price)}`;
      bids.appendChild(li);
    }
    cell(tr, "").appendChild(bids);
    const aw = document.createElement("ul");
    aw.className = "award";
    for (const a of t.awards) {
      const li = document.createElement("li");
      li.textContent = `#${a.rank} ${name(a.participant)}: ${a.qty} @ ${rub(a.price)}`;
      aw.appendChild(li);
    }
    cell(tr, "").appendChild(aw);
    tb.appendChild(tr);
  }
}

// onOutput handles one output of the stream: the events of one seq.
function onOutput(msg) {
  const out = JSON.parse(msg.data);
  const seq = Number(out.seq);
  if (page.lastSeq && seq !== page.lastSeq + 1) page.gaps.push({ after: page.lastSeq, got: seq });
  page.lastSeq = seq;
  page.seqs.push(seq);
  $("stream-seq").textContent = `seq ${seq}`;
  let depth = false, people = false, tenders = false;
  for (const e of out.events) {
    switch (e.kind) {
      case "fill":
        if (inMarket(e)) addFill(e);
        depth = depth || inMarket(e);
        break;
      case "accepted": case "cancelled": case "amended": case "done": case "expired": case "uncrossed":
        depth = depth || inMarket(e);
        break;
      case "registered": case "status-changed":
        people = true;
        break;
      case "tender-opened": {
        const t = tender(e.tender);
        Object.assign(t, { buyer: e.participant, category: e.category, qty: e.qty, reserve: e.price, closeAt: e.close_at });
        tenders = true;
        break;
      }
      case "bid-accepted":
        tender(e.tender).bids.set(e.participant, { price: e.price, qty: e.qty });
        tenders = true;
        break;
      case "tender-extended":
        tender(e.tender).closeAt = e.close_at;
        tenders = true;
        break;
      case "awarded":
        tender(e.tender).awards.push({ participant: e.participant, qty: e.qty, price: e.price, rank: e.rank });
        tenders = true;
        break;
      case "tender-closed": tender(e.tender).state = "awarded"; tenders = true; break;
      case "tender-failed": tender(e.tender).state = "failed"; tenders = true; break;
      case "tender-cancelled": tender(e.tender).state = "cancelled"; tenders = true; break;
    }
  }
  if (depth) scheduleDepth();
  if (people) loadParticipants().catch(showError);
  if (tenders) drawTenders();
}

let source = null;
let reopenTimer = 0;
// connect opens the stream; EventSource itself resumes after the last id
// it received when the connection drops, and connect reopens it the same
// way if the browser gave up.
function connect(from) {
  if (source) source.close();
  const url = from ? `/api/stream?from=${from}` : "/api/stream";
  source = new EventSource(url);
  page.connects++;
  source.onopen = () => { $("stream-status").textContent = "live"; $("stream-status").className = "status live"; scheduleDepth(); };
  source.addEventListener("output", onOutput);
  source.addEventListener("feed-error", (msg) => {
    const e = JSON.parse(msg.data);
    page.feedErrors.push(e);
    showError(new Error(`stream: ${e.reason}: ${e.description}; resuming at seq ${e.oldest}`));
    // The outputs before e.oldest are gone: redraw from the current state.
    page.lastSeq = 0;
    $("fills").replaceChildren();
    connect(e.oldest);
  });
  source.onerror = () => {
    $("stream-status").textContent = "reconnecting";
    $("stream-status").className = "status";
    if (source.readyState === EventSource.CLOSED && !reopenTimer) {
      reopenTimer = setTimeout(() => { reopenTimer = 0; connect(page.lastSeq ? page.lastSeq + 1 : 0); }, 1000);
    }
  };
}

function showError(err) {
  const r = $("order-result");
  r.textContent = err.message;
  r.className = "result error";
}

async function placeOrder(ev) {
  ev.preventDefault();
  const m = page.market;
  const body = {
    participant: $("order-participant").value,
    category: m.category,
    basis: m.basis,
    side: $("order-side").value,
    type: $("order-type").value,
    tif: $("order-tif").value,
    qty: Number($("order-qty").value),
  };
  if (body.type === "limit") body.price = Number($("order-price").value);
  const r = $("order-result");
  try {
    const res = await getJSON("/api/orders", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    page.lastResult = { seq: Number(res.seq), events: res.events };
    const acc = res.events.find((e) => e.kind === "accepted");
    const fills = res.events.filter((e) => e.kind === "fill").length;
    r.textContent = `seq ${res.seq}: order ${acc ? acc.order_id : "?"} accepted, ${fills} fill(s)`;
    r.className = "result ok";
  } catch (err) {
    showError(err);
  }
}

async function main() {
  $("order-form").addEventListener("submit", placeOrder);
  await loadCatalog();
  await loadParticipants();
  await refreshDepth();
  connect(0);
}
main().catch(showError);
