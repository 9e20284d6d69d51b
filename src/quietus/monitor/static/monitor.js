// The Quietus monitor's page script: live tables from /events (Server-Sent Events), filters, sorting, paging and
// the kill button (preview, confirm, POST with the CSRF token).  No dependencies; data is set with textContent.
"use strict";
(function () {
  const main = document.getElementById("monitor");
  if (!main) return;
  const csrf = main.dataset.csrf;
  const canKill = main.dataset.canKill === "1";
  const own = Number(main.dataset.own);
  const filters = document.getElementById("filters");
  const columns = Array.from(document.querySelectorAll("#sessions thead th[data-sort]")).map((th) => th.dataset.sort);
  const historyColumns = Array.from(document.querySelectorAll("#history thead th")).map((th) => th.dataset.sort);
  const state = { sort: "session_id", desc: false, offset: 0, limit: 100, matched: 0 };
  let source = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function query() {
    const params = new URLSearchParams();
    const data = new FormData(filters);
    for (const [name, value] of data) if (value) params.set(name, value);
    params.set("sort", state.sort);
    if (state.desc) params.set("desc", "1");
    params.set("offset", String(state.offset));
    params.set("limit", String(state.limit));
    return params.toString();
  }

  function renderSessions(page) {
    state.matched = page.matched;
    document.getElementById("count").textContent =
      page.matched + " of " + page.total + " sessions (from " + (page.offset + 1) + ")";
    const body = el("tbody");
    for (const row of page.rows) {
      const tr = el("tr");
      tr.dataset.session = row.session_id;
      const action = el("td");
      if (canKill && row.session_id !== own && !row.killed) {
        const button = el("button", "Kill", "kill");
        button.dataset.session = row.session_id;
        button.dataset.serial = row.serial;
        action.appendChild(button);
      }
      tr.appendChild(action);
      for (const name of columns) tr.appendChild(el("td", row[name], name));
      body.appendChild(tr);
    }
    document.querySelector("#sessions tbody").replaceWith(body);
  }

  function renderTree(nodes) {
    const list = el("ul");
    for (const node of nodes) {
      const item = el("li");
      item.dataset.session = node.session_id;
      item.appendChild(el("b", node.session_id));
      item.appendChild(document.createTextNode(" " + (node.login || "") + " " + node.status + " "));
      if (node.is_head) item.appendChild(el("span", "head", "head"));
      if (node.sleeping) item.appendChild(el("span", "sleeping", "sleeping"));
      if (node.orphaned) item.appendChild(el("span", "orphaned (-2)", "orphaned"));
      if (node.in_cycle) item.appendChild(el("span", "deadlock cycle", "cycle"));
      let text = "";
      if (node.wait_type) text += " · " + node.wait_type + " " + node.wait_ms + " ms";
      if (node.waiting_count) text += " · " + node.waiting_count + " waiting, longest " + node.longest_wait_ms + " ms";
      item.appendChild(document.createTextNode(text));
      item.appendChild(el("code", node.statement));
      if (node.waiters.length) item.appendChild(renderTree(node.waiters));
      list.appendChild(item);
    }
    return list;
  }

  function renderRollbacks(found) {
    const body = el("tbody");
    for (const r of found) {
      const tr = el("tr");
      tr.appendChild(el("td", r.session_id));
      tr.appendChild(el("td", r.login));
      tr.appendChild(el("td", r.command));
      const cell = el("td");
      const bar = el("progress");
      bar.max = 100;
      bar.value = r.percent;
      cell.appendChild(bar);
      cell.appendChild(document.createTextNode(" " + r.percent + "%"));
      tr.appendChild(cell);
      tr.appendChild(el("td", r.rows_done + " / " + r.rows_total));
      tr.appendChild(el("td", r.remaining_ms));
      body.appendChild(tr);
    }
    document.querySelector("#rollbacks tbody").replaceWith(body);
  }

  function renderEstimator(measured) {
    document.getElementById("estimator").textContent = measured.estimates
      ? "Estimates were off by " + measured.mean_error_percent + "% on average (" + measured.estimates +
        " estimates, " + measured.finished + " finished rollbacks; sys.dm_exec_rollback_estimates)."
      : "No classic rollback of a kill has finished yet: the estimate's error is not measured.";
  }

  function renderHistory(rows) {
    const body = el("tbody");
    for (const row of rows) {
      const tr = el("tr");
      for (const name of historyColumns) tr.appendChild(el("td", row[name]));
      body.appendChild(tr);
    }
    document.querySelector("#history tbody").replaceWith(body);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource("/events?" + query());
    const live = document.getElementById("live");
    source.onmessage = function (event) {
      const data = JSON.parse(event.data);
      renderSessions(data.sessions);
      const blocking = document.getElementById("blocking");
      blocking.replaceChildren(data.blocking.length ? renderTree(data.blocking) : el("p", "No session is blocked."));
      renderRollbacks(data.rollbacks);
      renderEstimator(data.estimator);
      renderHistory(data.history);
      live.textContent = "live " + data.at;
      live.className = "";
    };
    source.onerror = function () {
      live.textContent = "disconnected: retrying";
      live.className = "error";
    };
  }

  filters.addEventListener("input", function () {
    state.offset = 0;
    connect();
  });
  document.getElementById("prev").addEventListener("click", function () {
    state.offset = Math.max(0, state.offset - state.limit);
    connect();
  });
  document.getElementById("next").addEventListener("click", function () {
    if (state.offset + state.limit < state.matched) state.offset += state.limit;
    connect();
  });
  document.querySelector("#sessions thead").addEventListener("click", function (event) {
    const name = event.target.dataset && event.target.dataset.sort;
    if (!name) return;
    state.desc = state.sort === name ? !state.desc : false;
    state.sort = name;
    connect();
  });

  document.getElementById("sessions").addEventListener("click", async function (event) {
    const cell = event.target.closest("td.session_id");
    if (!cell) return;
    const response = await fetch("/api/locks?session_id=" + encodeURIComponent(cell.textContent));
    const answer = await response.json();
    if (!response.ok) return;
    document.getElementById("locks-title").textContent = "Locks of session " + answer.session_id;
    const body = el("tbody");
    for (const lock of answer.locks) {
      const tr = el("tr");
      for (const name of ["resource_type", "resource_database_id", "resource_description", "request_mode",
        "request_status"]) tr.appendChild(el("td", lock[name]));
      body.appendChild(tr);
    }
    document.querySelector("#locks tbody").replaceWith(body);
  });

  const dialog = document.getElementById("confirm");
  const outcome = document.getElementById("outcome");
  let target = null;
  let many = null;
  const killMany = document.getElementById("kill-many");
  if (killMany) killMany.addEventListener("click", async function () {
    const response = await fetch("/kill/many/preview?" + query(), { credentials: "same-origin" });
    const preview = await response.json();
    if (!response.ok) {
      outcome.textContent = preview.message;
      return;
    }
    if (!preview.targets.length) {
      outcome.textContent = "No session matches the filter.";
      return;
    }
    many = preview.targets.map((t) => t.session_id + ":" + t.serial).join(",");
    target = null;
    document.getElementById("confirm-text").textContent =
      "Kill these " + preview.targets.length + " sessions (" + preview.rows_to_undo + " rows to roll back)? " +
      preview.targets.map((t) => t.session_id + " " + t.login + "@" + t.host + " " + t.program).join("; ");
    dialog.showModal();
  });
  document.getElementById("sessions").addEventListener("click", async function (event) {
    const button = event.target.closest("button.kill");
    if (!button) return;
    target = { session_id: button.dataset.session, serial: button.dataset.serial };
    many = null;
    const response = await fetch("/kill/preview?" + new URLSearchParams(target), { credentials: "same-origin" });
    const preview = await response.json();
    if (!response.ok) {
      outcome.textContent = preview.message;
      return;
    }
    document.getElementById("confirm-text").textContent =
      "Kill session " + preview.session_id + " (serial " + preview.serial + ", " + preview.login + ", " +
      preview.state + ")? It will roll back " + preview.rows_to_undo + " rows; " + preview.waiting_count +
      " sessions wait behind it.";
    dialog.showModal();
  });
  dialog.addEventListener("close", async function () {
    if (dialog.returnValue !== "kill" || !(target || many)) return;
    const body = new URLSearchParams(target ? { ...target, csrf: csrf } : { targets: many, csrf: csrf });
    const response = await fetch(target ? "/kill" : "/kill/many", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
      body: body,
    });
    const answer = await response.json();
    outcome.textContent = answer.message;
    target = null;
    many = null;
  });

  connect();
})();
