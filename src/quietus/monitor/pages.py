"""The monitor's HTML, rendered on the server (every value escaped); ``static/monitor.js`` keeps it live.

The page works without its script (a reload shows the moment); the script replaces the tables' bodies with what
each Server-Sent Event carries, built with ``textContent`` (no HTML from data is ever parsed in the browser).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

SESSION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("session_id", "Id"),
    ("serial", "Serial"),
    ("login", "Login"),
    ("host", "Host"),
    ("program", "Program"),
    ("surface", "Surface"),
    ("status", "Status"),
    ("command", "Command"),
    ("wait_type", "Wait type"),
    ("wait_ms", "Wait ms"),
    ("blocked_by", "Blocked by"),
    ("open_transactions", "Open tran"),
    ("rows_to_undo", "Rows to undo"),
    ("cpu_ms", "CPU ms"),
    ("elapsed_ms", "Elapsed ms"),
    ("statement", "Statement"),
)
HISTORY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kill_id", "Kill"),
    ("kill_time", "When"),
    ("victim_session_id", "Session"),
    ("victim_serial", "Serial"),
    ("victim_login_name", "Login"),
    ("victim_state", "Was"),
    ("killer_login_name", "Killed by"),
    ("killer_host_name", "From"),
    ("reason", "Reason"),
    ("rows_to_undo", "Rows to undo"),
    ("rollback_duration_ms", "Rollback ms"),
    ("outcome", "Outcome"),
)


def _text(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _layout(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><link rel=stylesheet href=/static/monitor.css></head>"
        f"<body>{body}</body></html>"
    )


def login_page(csrf: str, message: str = "") -> str:
    notice = f"<p class=error role=alert>{escape(message)}</p>" if message else ""
    return _layout(
        "Quietus monitor: log in",
        "<main class=login><h1>Quietus monitor</h1>"
        f"{notice}<form method=post action=/login>"
        f"<input type=hidden name=csrf value={escape(csrf, quote=True)}>"
        "<label>Login <input name=login autocomplete=username required autofocus></label>"
        "<label>Password <input name=password type=password autocomplete=current-password></label>"
        "<button type=submit>Log in</button></form></main>",
    )


def kill_button(row: dict[str, Any]) -> str:
    return f'<button class=kill data-session="{row["session_id"]}" data-serial="{row["serial"]}">Kill</button>'


def session_rows(rows: Iterable[dict[str, Any]], can_kill: bool, own: int) -> str:
    out = []
    for row in rows:
        cells = "".join(f"<td class={name}>{_text(row[name])}</td>" for name, _ in SESSION_COLUMNS)
        action = kill_button(row) if can_kill and row["session_id"] != own and not row["killed"] else ""
        out.append(f"<tr data-session={row['session_id']}><td>{action}</td>{cells}</tr>")
    return "".join(out)


def tree(nodes: Iterable[dict[str, Any]]) -> str:
    items = []
    for node in nodes:
        marks = []
        if node["is_head"]:
            marks.append("<span class=head>head</span>")
        if node["sleeping"]:
            marks.append("<span class=sleeping>sleeping</span>")
        if node["orphaned"]:
            marks.append("<span class=orphaned>orphaned (-2)</span>")
        if node["in_cycle"]:
            marks.append("<span class=cycle>deadlock cycle</span>")
        waiting = node["waiting_count"]
        behind = f" · {waiting} waiting, longest {node['longest_wait_ms']} ms" if waiting else ""
        wait = f" · {_text(node['wait_type'])} {node['wait_ms']} ms" if node["wait_type"] else ""
        items.append(
            f"<li data-session={node['session_id']}><b>{node['session_id']}</b> {_text(node['login'])} "
            f"{_text(node['status'])} {' '.join(marks)}{wait}{behind}"
            f"<code>{_text(node['statement'])}</code>{tree(node['waiters']) if node['waiters'] else ''}</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""


def rollbacks(found: Iterable[dict[str, Any]]) -> str:
    return "".join(
        f"<tr><td>{r['session_id']}</td><td>{_text(r['login'])}</td><td>{_text(r['command'])}</td>"
        f"<td><progress max=100 value={r['percent']}></progress> {r['percent']}%</td>"
        f"<td>{r['rows_done']} / {r['rows_total']}</td><td>{r['remaining_ms']}</td></tr>"
        for r in found
    )


def estimator(measured: dict[str, Any]) -> str:
    """The estimator's measured error, under the rollbacks: how far to trust their time left."""
    if not measured["estimates"]:
        return "No classic rollback of a kill has finished yet: the estimate's error is not measured."
    return (
        f"Estimates were off by {measured['mean_error_percent']}% on average "
        f"({measured['estimates']} estimates, {measured['finished']} finished rollbacks; "
        "sys.dm_exec_rollback_estimates)."
    )


def history(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(
        "<tr>" + "".join(f"<td>{_text(row[name])}</td>" for name, _ in HISTORY_COLUMNS) + "</tr>" for row in rows
    )


def _head(columns: Iterable[tuple[str, str]], first: str = "") -> str:
    cells = "".join(f"<th data-sort={name}>{escape(title)}</th>" for name, title in columns)
    return f"<thead><tr>{first}{cells}</tr></thead>"


def monitor_page(state: dict[str, Any], *, login: str, csrf: str, can_kill: bool, own: int) -> str:
    page = state["sessions"]
    return _layout(
        "Quietus monitor",
        f"<header><h1>Quietus monitor</h1><span id=who>{escape(login)}</span>"
        f'<form method=post action=/logout><input type=hidden name=csrf value="{escape(csrf, quote=True)}">'
        "<button>Log out</button></form><span id=live>live</span></header>"
        f'<main id=monitor data-csrf="{escape(csrf, quote=True)}" data-can-kill="{int(can_kill)}" data-own="{own}">'
        "<section><h2>Blocking</h2>"
        f"<div id=blocking>{tree(state['blocking']) or '<p>No session is blocked.</p>'}</div></section>"
        "<section><h2>Sessions</h2><form id=filters>"
        "<input name=q placeholder='login, host, program, statement'>"
        "<select name=status><option value=''>any status<option>running<option>runnable<option>suspended"
        "<option>sleeping<option>rollback</select>"
        "<select name=surface><option value=''>any surface<option>TDS<option>Oracle Net<option>embedded</select>"
        "<label><input type=checkbox name=blocked value=1> blocked only</label>"
        "<button type=button id=prev>&lt;</button><button type=button id=next>&gt;</button>"
        f"{'<button type=button id=kill-many class=kill>Kill all matching…</button>' if can_kill else ''}</form>"
        f"<p id=count>{page['matched']} of {page['total']} sessions</p>"
        f"<table id=sessions>{_head(SESSION_COLUMNS, '<th></th>')}"
        f"<tbody>{session_rows(page['rows'], can_kill, own)}</tbody></table></section>"
        "<section><h2 id=locks-title>Locks (click a session id)</h2><table id=locks><thead><tr><th>Type<th>Database"
        "<th>Resource<th>Mode<th>Status</tr></thead><tbody></tbody></table></section>"
        "<section><h2>Rollbacks in progress</h2><table id=rollbacks><thead><tr><th>Session<th>Login<th>Command"
        f"<th>Progress<th>Rows undone<th>ms left</tr></thead><tbody>{rollbacks(state['rollbacks'])}</tbody></table>"
        f"<p id=estimator>{_text(estimator(state['estimator']))}</p>"
        "</section><section><h2>Kill history</h2>"
        f"<table id=history>{_head(HISTORY_COLUMNS)}<tbody>{history(state['history'])}</tbody></table></section>"
        "<dialog id=confirm><form method=dialog><p id=confirm-text></p>"
        "<button value=cancel>Cancel</button> <button value=kill id=confirm-kill>Kill</button></form></dialog>"
        "<p id=outcome role=status></p></main><script src=/static/monitor.js></script>",
    )
