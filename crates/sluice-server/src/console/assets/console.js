// The Sluice console's live updates. The pages work without this script; with it,
// queue depths and rates, the charts of the last hour, and move-task progress refresh
// every two seconds. No dependencies.
"use strict";
(function () {
  var PERIOD_MS = 2000;

  function getJson(url) {
    return fetch(url, { headers: { accept: "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
        return r.json();
      });
  }

  function setText(el, text) {
    if (el && el.textContent !== String(text)) { el.textContent = String(text); }
  }

  // Queue depths: every row with a data-arn inside a [data-live-queues] table.
  function refreshDepths() {
    getJson("/console/queues.json").then(function (data) {
      var byArn = {};
      data.queues.forEach(function (q) { byArn[q.arn] = q; });
      document.querySelectorAll("[data-live-queues] tr[data-arn]").forEach(function (row) {
        var q = byArn[row.getAttribute("data-arn")];
        if (!q) { return; }
        setText(row.querySelector('[data-field="visible"]'), q.visible);
        setText(row.querySelector('[data-field="in_flight"]'), q.in_flight);
        setText(row.querySelector('[data-field="delayed"]'), q.delayed);
        setText(row.querySelector('[data-field="sent_rate"]'), q.sent_rate);
        setText(row.querySelector('[data-field="received_rate"]'), q.received_rate);
        setText(row.querySelector('[data-field="deleted_rate"]'), q.deleted_rate);
        setText(row.querySelector('[data-field="oldest_age"]'), q.oldest_age);
      });
    }).catch(function () { /* the server may be restarting; try again later */ });
  }

  // Move tasks: rebuilds the rows of a [data-move-tasks] table from its JSON endpoint.
  function taskRow(t) {
    var tr = document.createElement("tr");
    var toMove = t.ApproximateNumberOfMessagesToMove || 0;
    var moved = t.ApproximateNumberOfMessagesMoved || 0;
    var started = document.createElement("td");
    started.textContent = new Date(t.StartedTimestamp).toISOString().replace("T", " ").replace("Z", " UTC");
    var status = document.createElement("td");
    status.setAttribute("data-field", "status");
    status.textContent = t.Status;
    var progressCell = document.createElement("td");
    var bar = document.createElement("progress");
    bar.max = Math.max(toMove, 1);
    bar.value = moved;
    bar.setAttribute("aria-label", "Messages moved");
    bar.textContent = moved + " of " + toMove;
    var label = document.createElement("span");
    label.setAttribute("data-field", "progress");
    label.textContent = moved + " of " + toMove;
    progressCell.append(bar, " ", label);
    var reason = document.createElement("td");
    reason.textContent = t.FailureReason || "";
    tr.append(started, status, progressCell, reason);
    return tr;
  }

  function refreshTasks(table) {
    getJson(table.getAttribute("data-move-tasks")).then(function (data) {
      var body = table.tBodies[0];
      var rows = data.tasks.map(taskRow);
      body.replaceChildren.apply(body, rows);
      var running = data.tasks.some(function (t) { return t.Status === "RUNNING"; });
      var form = table.parentNode.querySelector("form button[type=submit]");
      if (form) { form.disabled = running; }
    }).catch(function () { /* try again later */ });
  }

  // Charts (see charts.rs): the same axis top and rounding as the server's.
  function niceMax(max) {
    if (!(max > 0)) { return 1; }
    var step = Math.pow(10, Math.floor(Math.log10(max)));
    for (;;) {
      var factors = [1, 2, 5];
      for (var i = 0; i < factors.length; i++) {
        if (factors[i] * step >= max) { return factors[i] * step; }
      }
      step *= 10;
    }
  }

  function numberText(v) {
    if (v % 1 === 0 || v >= 100) { return v.toFixed(0); }
    return v >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  function clamp01(v) { return Math.min(Math.max(v, 0), 1); }

  // Redraws one figure[data-chart] from its section's history: the lines, the axis top,
  // the summary its image is named by, and its table, newest first.
  function redrawChart(figure, data) {
    var svg = figure.querySelector("svg");
    var plot = svg && svg.querySelector("rect.plot");
    if (!plot) { return; }
    var x0 = Number(plot.getAttribute("x"));
    var y0 = Number(plot.getAttribute("y"));
    var w = Number(plot.getAttribute("width"));
    var h = Number(plot.getAttribute("height"));
    var lines = Array.prototype.slice.call(svg.querySelectorAll("polyline[data-series]"));
    var fields = lines.map(function (l) { return l.getAttribute("data-series"); });
    var max = 0;
    data.rows.forEach(function (r) {
      fields.forEach(function (f) { if (r[f] > max) { max = r[f]; } });
    });
    var top = niceMax(max);
    var start = data.now_ms - data.window_ms;
    lines.forEach(function (line, i) {
      var points = data.rows.map(function (r) {
        var x = x0 + clamp01((r.at_ms - start) / data.window_ms) * w;
        var y = y0 + h - clamp01(r[fields[i]] / top) * h;
        return x.toFixed(1) + "," + y.toFixed(1);
      });
      line.setAttribute("points", points.join(" "));
    });
    setText(svg.querySelector("[data-max]"), numberText(top));
    var summary = data.summaries && data.summaries[figure.getAttribute("data-chart")];
    if (summary) { setText(svg.querySelector("[data-summary]"), summary); }
    var body = figure.querySelector("tbody");
    if (!body) { return; }
    var rows = data.rows.slice().reverse().map(function (r) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.setAttribute("scope", "row");
      th.textContent = new Date(r.at_ms).toISOString().slice(11, 19);
      tr.append(th);
      fields.forEach(function (f) {
        var td = document.createElement("td");
        td.textContent = numberText(r[f]);
        tr.append(td);
      });
      return tr;
    });
    body.replaceChildren.apply(body, rows);
  }

  // A [data-history] section: its charts, and the shard table's rates on a stream page.
  function refreshHistory(section) {
    getJson(section.getAttribute("data-history")).then(function (data) {
      section.querySelectorAll("figure[data-chart]").forEach(function (figure) {
        redrawChart(figure, data);
      });
      (data.shards || []).forEach(function (s) {
        var row = document.getElementById("shard-" + s.shard_id);
        if (!row) { return; }
        setText(row.querySelector('[data-field="records_rate"]'), s.records_rate);
        setText(row.querySelector('[data-field="bytes_rate"]'), s.bytes_rate);
      });
    }).catch(function () { /* try again later */ });
  }

  function tick() {
    if (document.hidden) { return; }
    if (document.querySelector("[data-live-queues]")) { refreshDepths(); }
    document.querySelectorAll("[data-move-tasks]").forEach(refreshTasks);
    document.querySelectorAll("[data-history]").forEach(refreshHistory);
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, PERIOD_MS);
  });
})();
