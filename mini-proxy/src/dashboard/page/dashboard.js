// mini-proxy dashboard: polls /api/stat and redraws the deployments table, the latency charts and the
// edges. Everything is built with DOM calls (names never pass through innerHTML) and drawn as inline SVG;
// nothing is fetched from anywhere but this server.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const QUANTILES = ["p50", "p95", "p99"];

// Linkerd's formats, as `stat` prints them.
const percent = (value) => (value === null || value === undefined ? "-" : (value * 100).toFixed(2) + "%");
const rate = (value) => (value === null || value === undefined ? "-" : value.toFixed(1) + "rps");
const millis = (value) => (value === null || value === undefined ? "-" : Math.floor(value) + "ms");

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Green at 95% and over, amber from 90%, red below: Linkerd's thresholds.
function health(success) {
  if (success === null || success === undefined) return "";
  return success >= 0.95 ? "good" : success >= 0.9 ? "warn" : "bad";
}

function renderDeployments(rows) {
  const body = document.querySelector("#deployments tbody");
  body.replaceChildren();
  for (const row of rows) {
    const meshed = row.meshed.split("/");
    const tr = element("tr", { "data-deployment": row.namespace + "/" + row.name });
    if (meshed[0] === "0") tr.classList.add("unmeshed");
    tr.append(
      element("td", { class: "namespace" }, row.namespace),
      element("td", { class: "name" }, row.name),
      element("td", { class: "meshed number" }, row.meshed),
      element("td", { class: "success number " + health(row.success) }, percent(row.success)),
      element("td", { class: "rps number" }, rate(row.rps)),
      element("td", { class: "p50 number" }, millis(row.latency_ms_p50)),
      element("td", { class: "p95 number" }, millis(row.latency_ms_p95)),
      element("td", { class: "p99 number" }, millis(row.latency_ms_p99)),
      element("td", { class: "tcp number" }, row.tcp_open_connections === null ? "-" : String(row.tcp_open_connections)),
    );
    body.append(tr);
  }
}

// A round maximum for the y axis: 1, 2 or 5 times a power of ten.
function ceiling(value) {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function chart(key, points) {
  const width = 480, height = 140, left = 44, right = 8, top = 8, bottom = 20;
  const times = points.map((p) => p.unix_ms);
  const start = Math.min(...times), end = Math.max(...times);
  const values = points.flatMap((p) => (p.latency_ms[key] || []).filter((v) => v !== null));
  const max = ceiling(Math.max(...values));
  const x = (t) => left + (end === start ? width - left - right : ((t - start) / (end - start)) * (width - left - right));
  const y = (v) => top + (1 - v / max) * (height - top - bottom);

  const figure = element("div", { class: "chart", "data-chart": key });
  figure.append(element("h3", {}, key));
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "latency of " + key });
  for (const fraction of [0, 0.5, 1]) {
    const level = y(max * fraction);
    drawing.append(svg("line", { class: "axis", x1: left, x2: width - right, y1: level, y2: level }));
    drawing.append(svg("text", { class: "label", x: left - 6, y: level + 3, "text-anchor": "end" }, +(max * fraction).toFixed(2) + " ms"));
  }
  const seconds = Math.round((end - start) / 1000);
  drawing.append(svg("text", { class: "label", x: left, y: height - 4 }, seconds > 0 ? "-" + seconds + " s" : ""));
  drawing.append(svg("text", { class: "label", x: width - right, y: height - 4, "text-anchor": "end" }, "now"));
  QUANTILES.forEach((quantile, index) => {
    const coordinates = points
      .filter((p) => p.latency_ms[key] && p.latency_ms[key][index] !== null)
      .map((p) => x(p.unix_ms).toFixed(1) + "," + y(p.latency_ms[key][index]).toFixed(1));
    if (coordinates.length === 1) coordinates.push((width - right) + "," + coordinates[0].split(",")[1]);
    drawing.append(svg("polyline", { class: quantile, points: coordinates.join(" ") }));
  });
  figure.append(drawing);
  const last = points[points.length - 1].latency_ms[key] || [];
  const legend = element("div", { class: "legend" });
  QUANTILES.forEach((quantile, index) => {
    legend.append(element("span", { class: "swatch " + quantile }), document.createTextNode(quantile + " " + millis(last[index] ?? null)));
  });
  figure.append(legend);
  return figure;
}

function renderCharts(history) {
  const charts = document.getElementById("charts");
  const keys = [...new Set(history.flatMap((point) => Object.keys(point.latency_ms)))].sort();
  charts.replaceChildren();
  if (keys.length === 0) {
    charts.append(element("p", { class: "empty" }, "No latency yet: no deployment has received requests in the window."));
    return;
  }
  for (const key of keys) charts.append(chart(key, history));
}

// A padlock, 12 by 14: shackle and body.
function lockShapes() {
  return [
    svg("path", { d: "M3 6V4a3 3 0 0 1 6 0v2h-1.4V4a1.6 1.6 0 0 0-3.2 0v2z" }),
    svg("rect", { x: 1, y: 6, width: 10, height: 8, rx: 1.5 }),
  ];
}

function lockGlyph(x, y) {
  const group = svg("g", { class: "lock-glyph", transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`, fill: "#1f9d55" });
  group.append(svg("title", {}, "mutual TLS"), ...lockShapes());
  return group;
}

function lock(identities) {
  const mark = element("span", { class: "lock", title: "mutual TLS" + (identities.length ? ": " + identities.join(", ") : "") });
  const icon = svg("svg", { viewBox: "0 0 12 14", "aria-hidden": "true" });
  icon.append(...lockShapes());
  mark.append(icon, document.createTextNode("mTLS"));
  return mark;
}

const workload = (w) => w.namespace + "/" + w.name;

function renderEdgeList(edges) {
  const list = document.getElementById("edges");
  list.replaceChildren();
  if (edges.length === 0) {
    list.append(element("li", { class: "empty" }, "No calls between deployments in the window."));
    return;
  }
  for (const edge of edges) {
    const item = element("li", { "data-from": workload(edge.from), "data-to": workload(edge.to), "data-mtls": String(edge.mtls) });
    item.append(
      element("span", { class: "route" }, edge.from.name + " \u2192 " + edge.to.name),
      edge.mtls ? lock(edge.server_ids) : element("span", { class: "plain", title: "not mutual TLS" }, "plaintext"),
      element("span", { class: "figures" }, rate(edge.rps) + "  " + percent(edge.success)),
    );
    list.append(item);
  }
}

// Deployments on a circle, an arrow per edge; green and locked when mutual TLS.
function renderGraph(rows, edges) {
  const graph = document.getElementById("graph");
  graph.replaceChildren();
  const names = [...new Set([...rows.map(workload), ...edges.flatMap((e) => [workload(e.from), workload(e.to)])])];
  const centre = { x: 240, y: 130 }, radius = names.length > 1 ? 90 : 0, node = 30;
  const place = new Map(names.map((name, i) => {
    const angle = Math.PI + (2 * Math.PI * i) / names.length;
    return [name, { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) }];
  }));
  for (const edge of edges) {
    const from = place.get(workload(edge.from)), to = place.get(workload(edge.to));
    const dx = to.x - from.x, dy = to.y - from.y, length = Math.hypot(dx, dy) || 1;
    const ux = dx / length, uy = dy / length;
    const start = { x: from.x + ux * node, y: from.y + uy * node }, tip = { x: to.x - ux * node, y: to.y - uy * node };
    const kind = edge.mtls ? " mtls" : "";
    graph.append(svg("line", { class: "edge" + kind, x1: start.x, y1: start.y, x2: tip.x, y2: tip.y }));
    const back = { x: tip.x - ux * 9, y: tip.y - uy * 9 };
    const arrow = [tip, { x: back.x - uy * 5, y: back.y + ux * 5 }, { x: back.x + uy * 5, y: back.y - ux * 5 }];
    graph.append(svg("polygon", { class: "arrow" + kind, points: arrow.map((p) => p.x.toFixed(1) + "," + p.y.toFixed(1)).join(" ") }));
    const middle = { x: (start.x + tip.x) / 2, y: (start.y + tip.y) / 2 };
    graph.append(svg("text", { class: "label", x: middle.x, y: middle.y - 8, "text-anchor": "middle", "font-size": 11 }, rate(edge.rps)));
    if (edge.mtls) graph.append(lockGlyph(middle.x + 22, middle.y - 19));
  }
  for (const name of names) {
    const at = place.get(name);
    const group = svg("g", { class: "node" });
    group.append(svg("circle", { cx: at.x, cy: at.y, r: node }));
    group.append(svg("text", { x: at.x, y: at.y + 4, "text-anchor": "middle" }, name.split("/")[1]));
    graph.append(group);
  }
}

function renderErrors(errors) {
  const section = document.getElementById("problems");
  const list = document.getElementById("errors");
  list.replaceChildren(...errors.map((error) => element("li", {}, error)));
  section.hidden = errors.length === 0;
}

function render(board) {
  renderDeployments(board.deployments);
  renderCharts(board.history);
  renderEdgeList(board.edges);
  renderGraph(board.deployments, board.edges);
  renderErrors(board.errors);
  const status = document.getElementById("status");
  status.textContent = board.window_seconds === null
    ? "Waiting for a second round of scrapes…"
    : `Window ${Math.round(board.window_seconds)} s, a scrape every ${board.interval_seconds} s; updated ${new Date(board.updated_unix_ms).toLocaleTimeString()}`;
}

async function poll() {
  let delay = 2000;
  try {
    const response = await fetch("/api/stat", { cache: "no-store" });
    if (!response.ok) throw new Error("/api/stat answered " + response.status);
    const board = await response.json();
    render(board);
    delay = Math.min(Math.max(board.interval_seconds * 1000, 1000), 10000);
  } catch (error) {
    document.getElementById("status").textContent = "Cannot read /api/stat: " + error.message;
  }
  setTimeout(poll, delay);
}

poll();
