/* The call list's keyboard shortcuts and where the focus goes after an action.
 *
 * The pages work without this file (forms post, <details> open and close); it only adds keys
 * and moves the focus. It is loaded with <script src defer>: no inline code and no on*
 * attributes, so that a Content-Security-Policy without 'unsafe-inline' can be turned on.
 *
 * On the list a row's forms are not in the page: its closed <details> ([data-call-lazy]) fetch
 * them with htmx when one opens, and the answer replaces them. A key pressed meanwhile (an
 * outcome after Enter, say) is remembered and applied once they are in.
 */
(function () {
  "use strict";

  var ROW = "[data-call-row]";
  var LAZY = "[data-call-lazy]";
  var OUTCOME_KEYS = { r: "reached", n: "no_answer", b: "busy" };
  var current = null;
  // The row an htmx action was sent from, and its neighbours, to move on once it is answered.
  var pending = null;
  // By row id, what the keys asked of forms still loading: { action, outcome }.
  var wanted = {};

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(ROW));
  }

  function rowOf(element) {
    return element && element.closest ? element.closest(ROW) : null;
  }

  function setCurrent(row, focus) {
    if (current && current !== row) {
      current.classList.remove("is-current");
    }
    current = row;
    if (!row) {
      return;
    }
    row.classList.add("is-current");
    if (focus) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function currentRow() {
    if (current && current.isConnected) {
      return current;
    }
    return rowOf(document.activeElement);
  }

  function move(step) {
    var all = rows();
    if (!all.length) {
      return false; // nothing to move between: let the arrows scroll
    }
    var index = all.indexOf(currentRow());
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : index + step;
    setCurrent(all[Math.min(Math.max(next, 0), all.length - 1)], true);
    return true;
  }

  function openAction(row, name) {
    var details = row.querySelector('details[data-call-action="' + name + '"]');
    if (details) {
      details.open = true;
    }
    return details;
  }

  function isLoading(details) {
    return Boolean(details && details.closest(LAZY));
  }

  // Opening a placeholder fetches the forms (htmx, on "toggle"); what to do with them then.
  function want(row, wish) {
    var entry = wanted[row.id] || (wanted[row.id] = {});
    Object.keys(wish).forEach(function (key) {
      entry[key] = wish[key];
    });
  }

  function focusOutcome(details) {
    var outcome =
      details.querySelector('input[name="outcome"]:checked') ||
      details.querySelector('input[name="outcome"]');
    if (outcome) {
      outcome.focus();
    }
  }

  function focusFirstField(details) {
    var field = details.querySelector("input:not([type=hidden])");
    if (field) {
      field.focus();
    }
  }

  function openCompletion(row) {
    var details = openAction(row, "complete");
    if (isLoading(details)) {
      want(row, { action: "complete" });
    } else if (details) {
      focusOutcome(details);
    }
  }

  function openReschedule(row) {
    var details = openAction(row, "reschedule");
    if (isLoading(details)) {
      want(row, { action: "reschedule" });
    } else if (details) {
      focusFirstField(details);
    }
  }

  function checkOutcome(details, value, focus) {
    var radio = details.querySelector('input[name="outcome"][value="' + value + '"]');
    if (radio) {
      radio.checked = true;
      if (focus) {
        radio.focus();
      }
    }
    return Boolean(radio);
  }

  function chooseOutcome(value) {
    var row = currentRow();
    var details = row && row.querySelector('details[data-call-action="complete"][open]');
    if (!details) {
      return false;
    }
    if (isLoading(details)) {
      want(row, { action: "complete", outcome: value });
      return true;
    }
    return checkOutcome(details, value, true);
  }

  // The forms came in for a row: open what was open in their place, then do what the keys
  // asked for meanwhile; the focus moves only if the manager has not gone on to another row.
  function formsLoaded(actions, placeholders, requested) {
    var row = rowOf(actions);
    if (!row) {
      return;
    }
    var wish = wanted[row.id] || {};
    delete wanted[row.id];
    var open = [];
    var all = actions.querySelectorAll("details[data-call-action]");
    Array.prototype.forEach.call(all, function (details) {
      var name = details.getAttribute("data-call-action");
      var before = placeholders.querySelector('details[data-call-action="' + name + '"]');
      details.open = Boolean(before && before.open);
      if (details.open) {
        open.push(details);
      }
    });
    function openOne(name) {
      return open.filter(function (details) {
        return details.getAttribute("data-call-action") === name;
      })[0];
    }
    var complete = openOne("complete");
    if (wish.outcome && complete) {
      checkOutcome(complete, wish.outcome, false);
    }
    // The form the keys asked for, else the one clicked, else any still open.
    var opened =
      openOne(wish.action) ||
      openOne(requested && requested.getAttribute("data-call-action")) ||
      open[0];
    var active = document.activeElement;
    var lost = !active || active === document.body;
    if (!opened || !(lost || rowOf(active) === row)) {
      return;
    }
    if (opened === complete && wish.action === "complete") {
      focusOutcome(opened);
    } else if (wish.action === "reschedule" && opened.matches('[data-call-action="reschedule"]')) {
      focusFirstField(opened);
    } else if (lost) {
      // Opened with the mouse: the summary clicked was replaced; its new twin takes the focus.
      opened.querySelector("summary").focus();
    }
  }

  function closeForms() {
    var row = currentRow();
    var open = row ? row.querySelectorAll("details[open]") : [];
    if (!open.length) {
      return false;
    }
    Array.prototype.forEach.call(open, function (details) {
      details.open = false;
    });
    delete wanted[row.id]; // forms still loading come in closed
    setCurrent(row, true);
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("call-shortcuts");
    if (!help) {
      return;
    }
    help.open = !help.open;
    if (help.open) {
      help.querySelector("summary").focus();
    }
  }

  // Keys must not fire while the manager types; radios and buttons take no text.
  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
      return true;
    }
    return (
      target.tagName === "INPUT" &&
      ["radio", "checkbox", "button", "submit", "reset"].indexOf(target.type) < 0
    );
  }

  function focusFirstProblem(row) {
    var field = row.querySelector('[aria-invalid="true"], .errors[role="alert"]');
    if (field) {
      if (!field.matches("input, select, textarea")) {
        field.setAttribute("tabindex", "-1");
      }
      field.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var key = event.key;
    var target = event.target;
    if (key === "Escape") {
      if (closeForms()) {
        event.preventDefault();
      }
      return;
    }
    if (isTyping(target)) {
      return;
    }
    // Inside a form Enter and the arrows keep their own meaning (save, pick a radio); on a
    // link, button or summary Enter is theirs too.
    var inForm = target.closest && target.closest("form");
    var onControl = target.closest && target.closest("a, button, summary");
    var handled = true;
    var row;
    if ((key === "j" || key === "ArrowDown") && !(inForm && key === "ArrowDown")) {
      handled = move(1);
    } else if ((key === "k" || key === "ArrowUp") && !(inForm && key === "ArrowUp")) {
      handled = move(-1);
    } else if ((key === "Enter" && !inForm && !onControl) || (key === "o" && !inForm)) {
      row = currentRow();
      if (row) {
        openCompletion(row);
      } else {
        handled = false;
      }
    } else if (key === "s") {
      row = currentRow();
      if (row) {
        openReschedule(row);
      } else {
        handled = false;
      }
    } else if (key === "?") {
      toggleHelp();
    } else if (OUTCOME_KEYS[key]) {
      handled = chooseOutcome(OUTCOME_KEYS[key]);
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });

  document.addEventListener("focusin", function (event) {
    var row = rowOf(event.target);
    if (row) {
      setCurrent(row, false);
    }
  });

  // An action posted from a row (fetching a row's forms is not one).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event.target);
    if (!row || event.target.closest(LAZY)) {
      return;
    }
    var all = rows();
    var index = all.indexOf(row);
    pending = {
      id: row.id,
      xhr: event.detail.xhr,
      after: all[index + 1] || null,
      before: all[index - 1] || null,
    };
  });

  // A row's forms swapped in for its placeholders and wired up by htmx: fired on the new
  // block, while the event still holds the placeholders it replaced (detail.target) and the
  // one opened.
  document.addEventListener("htmx:afterSettle", function (event) {
    var placeholders = event.detail && event.detail.target;
    if (
      placeholders &&
      placeholders.matches &&
      placeholders.matches(LAZY) &&
      event.target.matches(".call-actions") &&
      !event.target.matches(LAZY)
    ) {
      formsLoaded(event.target, placeholders, event.detail.requestConfig.elt);
    }
  });

  // Fired after the swap; when the row is gone, htmx fires it on an ancestor still there.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!pending || event.detail.xhr !== pending.xhr) {
      return;
    }
    var done = pending;
    pending = null;
    var row = document.getElementById(done.id);
    if (row && row.hasAttribute("data-call-open")) {
      setCurrent(row, false);
      focusFirstProblem(row);
      return;
    }
    // Recorded: on to the next call (the one below, or above at the end of the list).
    var next = [done.after, done.before].filter(function (candidate) {
      return candidate && candidate.isConnected;
    })[0];
    if (next) {
      setCurrent(next, true);
    } else if (row) {
      setCurrent(row, true);
    }
  });

  // The next-contact quick picks fill the date field they stand under.
  document.addEventListener("click", function (event) {
    var pick = event.target.closest && event.target.closest("[data-pick-date]");
    if (!pick) {
      return;
    }
    var holder = pick.closest("[data-picks-for]");
    var field = holder && document.getElementById(holder.getAttribute("data-picks-for"));
    if (field) {
      field.value = pick.getAttribute("data-pick-date");
      field.dispatchEvent(new Event("change", { bubbles: true }));
      field.focus();
    }
  });

  // A handled row's Undo lasts as long as the server keeps it; then it goes.
  document.addEventListener("htmx:load", function (event) {
    var forms = event.detail.elt.querySelectorAll
      ? event.detail.elt.querySelectorAll("form[data-undo-seconds]")
      : [];
    Array.prototype.forEach.call(forms, function (form) {
      var seconds = parseInt(form.getAttribute("data-undo-seconds"), 10) || 30;
      window.setTimeout(function () {
        form.remove();
      }, seconds * 1000);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var failed = document.querySelector(ROW + " [aria-invalid=\"true\"]");
    if (failed) {
      setCurrent(rowOf(failed), false);
      failed.focus();
    }
  });
})();
