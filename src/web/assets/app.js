// Keyboard shortcuts and a remembered reviewer name. Everything works without this file:
// links are links and the review form is a plain POST.
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");
  var KEY = "xrefscan-reviewer";

  // The reviewer's name, remembered in this browser.
  var remembered = "";
  try { remembered = localStorage.getItem(KEY) || ""; } catch (e) { /* private mode */ }
  document.querySelectorAll("input.reviewer").forEach(function (input) {
    if (!input.value) { input.value = remembered; }
  });
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var name = form.querySelector("input.reviewer");
      if (name && name.value) {
        try { localStorage.setItem(KEY, name.value); } catch (e) { /* ignore */ }
      }
    });
  });

  // A decision that replaces another is asked about first.
  function replacing(current, next) {
    if (!current || current === next) { return true; }
    return window.confirm("Replace the decision “" + current + "” with “" + next + "”?");
  }

  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  if (page === "list") {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.paper-row"));
    var current = -1;
    function select(i) {
      if (!rows.length) { return; }
      if (current >= 0) { rows[current].classList.remove("current"); }
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows[current].classList.add("current");
      rows[current].scrollIntoView({ block: "nearest" });
    }
    var table = document.querySelector("table.papers");
    var focus = table && table.getAttribute("data-focus");
    if (focus) {
      rows.forEach(function (row, i) { if (row.getAttribute("data-id") === focus) { select(i); } });
    }
    // c/d/n decide the selected row without opening it (the same POST as the paper page).
    var quick = document.getElementById("quick-review");
    var DECIDE = { c: "confirmed", d: "dismissed", n: "needs-info" };
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (quick && current >= 0 && DECIDE[event.key]) {
        event.preventDefault();
        var row = rows[current];
        var was = row.getAttribute("data-status") || "";
        if (!replacing(was, DECIDE[event.key])) { return; }
        quick.setAttribute("action", row.getAttribute("data-review"));
        quick.querySelector("input[name=status]").value = DECIDE[event.key];
        quick.querySelector("input[name=replaces]").value = was;
        quick.submit();
        return;
      }
      if (event.key === "j") { select(current + 1); event.preventDefault(); }
      else if (event.key === "k") { select(current - 1); event.preventDefault(); }
      else if ((event.key === "o" || event.key === "Enter") && current >= 0) {
        window.location.href = rows[current].getAttribute("data-href");
      } else if (event.key === "/") {
        var q = document.querySelector("input[name=q]");
        if (q) { q.focus(); event.preventDefault(); }
      }
    });
  }

  if (page === "paper") {
    var reviewForm = document.getElementById("review-form");
    if (reviewForm) {
      reviewForm.addEventListener("submit", function (event) {
        var next = event.submitter && event.submitter.value;
        if (next && !replacing(reviewForm.getAttribute("data-current") || "", next)) {
          event.preventDefault();
        }
      });
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var link;
      if (event.key === "j") { link = document.querySelector("a[rel=next]"); }
      else if (event.key === "k") { link = document.querySelector("a[rel=prev]"); }
      if (link) { window.location.href = link.href; event.preventDefault(); return; }
      var button = document.querySelector("#review-form button[data-key='" + event.key + "']");
      if (button) { event.preventDefault(); button.click(); }
    });
  }
})();
