// The Sluice console's live updates. The pages work without this script; with it,
// queue depths and move-task progress refresh every two seconds. No dependencies.
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

  function tick() {
    if (document.hidden) { return; }
    if (document.querySelector("[data-live-queues]")) { refreshDepths(); }
    document.querySelectorAll("[data-move-tasks]").forEach(refreshTasks);
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, PERIOD_MS);
  });
})();
