// Saring moderation queue: one-click and bulk actions through the JSON queue API, undo, keyboard.
// Without this script the buttons still work: they post the surrounding form to /moderation/actions.
(function () {
  "use strict";
  var API = "/api/v1/queue";
  var form = document.getElementById("queue-form");
  if (!form) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var toast = document.getElementById("toast");
  var pageDone = document.getElementById("page-done");
  var selectAll = document.getElementById("select-all");
  var selectedCount = document.getElementById("selected-count");
  var current = -1;
  var toastTimer = null;
  var busy = false;

  function rows() { return Array.prototype.slice.call(form.querySelectorAll("article.comment")); }
  function rowById(id) { return document.getElementById("c-" + id); }

  function say(text, isError) {
    if (!toast) { return; }
    toast.textContent = text;
    toast.className = "toast" + (isError ? " error" : "");
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.hidden = true; }, isError ? 12000 : 5000);
  }

  function setCount(status, delta) {
    var el = document.querySelector('[data-count="' + status + '"]');
    if (el) { el.textContent = String(Math.max(0, parseInt(el.textContent, 10) + delta)); }
    setTotal(status, delta);
  }

  // The "N comments held" line under the tabs counts the listed status (none: every status, unchanged).
  function setTotal(status, delta) {
    var summary = document.getElementById("summary");
    if (!summary || summary.dataset.filterStatus !== status) { return; }
    var total = summary.querySelector("[data-total]");
    var noun = summary.querySelector("[data-total-noun]");
    if (!total) { return; }
    var n = Math.max(0, parseInt(total.textContent, 10) + delta);
    total.textContent = String(n);
    if (noun) { noun.textContent = n === 1 ? "comment" : "comments"; }
  }

  function updateSelected() {
    var all = rows().filter(function (r) { return !r.classList.contains("done"); });
    var checked = all.filter(function (r) { var c = r.querySelector(".row-check"); return c && c.checked; });
    if (selectedCount) { selectedCount.textContent = checked.length + " selected"; }
    if (selectAll) {
      selectAll.checked = all.length > 0 && checked.length === all.length;
      selectAll.indeterminate = checked.length > 0 && checked.length < all.length;
    }
  }

  function setRowState(row, state, done) {
    row.dataset.status = state.status;
    row.dataset.revision = String(state.revision);
    var rev = row.querySelector("input.rev");
    if (rev) { rev.value = String(state.revision); }
    row.className = row.className.replace(/\bstatus-\S+/g, "").trim() + " status-" + state.status;
    var badge = row.querySelector("[data-badge]");
    if (badge) { badge.textContent = state.status + (state.label ? " · " + state.label : ""); }
    row.classList.toggle("done", !!done);
    var undo = row.querySelector('button[data-action="undo"]');
    if (undo) { undo.hidden = !state.canUndo; }
    var check = row.querySelector(".row-check");
    if (check) { check.checked = false; check.disabled = !!done; }
  }

  function checkPageDone() {
    var list = rows();
    if (pageDone && list.length && list.every(function (r) { return r.classList.contains("done"); })) {
      pageDone.hidden = false;
    } else if (pageDone) {
      pageDone.hidden = true;
    }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      var fresh = resp.headers.get("X-CSRFToken");
      if (fresh) { csrf = fresh; }
      return resp.json().catch(function () { return {}; }).then(function (data) {
        return { ok: resp.ok, status: resp.status, data: data };
      });
    });
  }

  function showConflicts(error) {
    var conflicts = error && error.fields && error.fields.conflicts;
    if (!conflicts) { return; }
    Object.keys(conflicts).forEach(function (id) {
      var row = rowById(id);
      var st = conflicts[id];
      if (row && st) {
        if (row.dataset.status !== st.status) { setCount(row.dataset.status, -1); setCount(st.status, +1); }
        setRowState(row, { status: st.status, revision: st.revision, label: null, canUndo: false }, false);
        row.classList.add("conflict");
      }
    });
  }

  var DONE_TEXT = { approve: "Approved", spam: "Marked spam", reject: "Rejected", undo: "Undone" };

  function act(action, ids) {
    if (busy || !ids.length) { return Promise.resolve(); }
    busy = true;
    var expected = {};
    ids.forEach(function (id) { var r = rowById(id); if (r) { expected[id] = parseInt(r.dataset.revision, 10); } });
    setBusy(ids, true);
    var req;
    if (action === "undo") {
      req = post(API + "/comments/" + encodeURIComponent(ids[0]) + "/undo", { expected_revision: expected[ids[0]] });
    } else {
      req = post(API + "/actions", { action: action, ids: ids, expected_revisions: expected });
    }
    return req.then(function (res) {
      if (res.ok) {
        res.data.moved.forEach(function (m) {
          var row = rowById(m.id);
          if (row) {
            setRowState(row, { status: m.to_status, revision: m.revision, label: m.label, canUndo: action !== "undo" },
                        action !== "undo");
            row.classList.remove("conflict");
          }
          setCount(m.from_status, -1);
          setCount(m.to_status, +1);
        });
        say(DONE_TEXT[action] + ": " + res.data.moved.length + " comment" + (res.data.moved.length === 1 ? "" : "s") +
            (action !== "undo" ? " — press u on a comment to undo" : ""));
      } else {
        var err = (res.data && res.data.error) || {};
        say((err.message || ("Request failed (HTTP " + res.status + ")")), true);
        if (res.status === 409) { showConflicts(err); }
      }
    }).catch(function () {
      say("The server could not be reached; nothing was changed. Try again.", true);
    }).then(function () {
      setBusy(ids, false);
      busy = false;
      updateSelected();
      checkPageDone();
    });
  }

  function setBusy(ids, on) {
    ids.forEach(function (id) {
      var row = rowById(id);
      if (!row) { return; }
      row.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
    });
    form.querySelectorAll("[data-bulk]").forEach(function (b) { b.disabled = on; });
  }

  form.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button");
    if (!btn || !form.contains(btn)) { return; }
    if (btn.dataset.action) {
      ev.preventDefault();
      var row = btn.closest("article.comment");
      if (row) { focusRow(rows().indexOf(row), false); act(btn.dataset.action, [row.dataset.id]); }
    } else if (btn.dataset.bulk) {
      ev.preventDefault();
      var ids = rows().filter(function (r) {
        var c = r.querySelector(".row-check");
        return c && c.checked && !r.classList.contains("done");
      }).map(function (r) { return r.dataset.id; });
      if (!ids.length) { say("Select comments first (x, or the checkboxes).", true); return; }
      act(btn.dataset.bulk, ids);
    }
  });

  form.addEventListener("change", function (ev) {
    if (ev.target === selectAll) {
      rows().forEach(function (r) {
        var c = r.querySelector(".row-check");
        if (c && !r.classList.contains("done")) { c.checked = selectAll.checked; }
      });
    }
    updateSelected();
  });

  function focusRow(index, scroll) {
    var list = rows();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (r) { r.classList.remove("current"); });
    current = index;
    list[index].classList.add("current");
    if (scroll !== false) {
      list[index].focus({ preventScroll: true });
      list[index].scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    var list = rows();
    var row = list[current];
    switch (ev.key) {
      case "j": focusRow(current + 1); break;
      case "k": focusRow(current < 0 ? 0 : current - 1); break;
      case "a": if (row) { act("approve", [row.dataset.id]); } break;
      case "s": if (row) { act("spam", [row.dataset.id]); } break;
      case "r": if (row) { act("reject", [row.dataset.id]); } break;
      case "u":
        if (row) {
          var u = row.querySelector('button[data-action="undo"]');
          if (u && !u.hidden) { act("undo", [row.dataset.id]); } else { say("Nothing to undo on this comment.", true); }
        }
        break;
      case "x":
        if (row) {
          var c = row.querySelector(".row-check");
          if (c && !c.disabled) { c.checked = !c.checked; updateSelected(); }
        }
        break;
      case "/":
        var q = document.getElementById("q");
        if (q) { ev.preventDefault(); var d = q.closest("details"); if (d) { d.open = true; } q.focus(); }
        return;
      default: return;
    }
    ev.preventDefault();
  });

  if (rows().length) { focusRow(0, false); }
  updateSelected();
})();
