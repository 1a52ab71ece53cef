/* Forms marked data-submit-once (those that create something) disable their submit buttons
 * while they are being sent, so that a double click sends them once. The server guards against
 * a second post anyway (each such form carries a one-time token); this spares the user the
 * "already recorded" message.
 *
 * Loaded with <script src defer>: no inline code, as the Content-Security-Policy requires. The
 * buttons come back when the browser shows the page again from its history, and when an htmx
 * request ends without replacing the form (an error answer, the network down).
 */
(function () {
  "use strict";

  var FORM = "form[data-submit-once]";
  var BUTTONS = "button[type=submit], button:not([type]), input[type=submit]";

  function buttons(form) {
    return Array.prototype.slice.call(form.querySelectorAll(BUTTONS));
  }

  function setBusy(form, busy) {
    buttons(form).forEach(function (button) {
      button.disabled = busy;
    });
    if (busy) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
  }

  // After htmx's own handler (on the form) has read the form: a disabled button left in the
  // form would otherwise be left out of what it sends.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest(FORM) : null;
    if (form) {
      window.setTimeout(function () {
        setBusy(form, true);
      }, 0);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest ? event.target.closest(FORM) : null;
    if (form && document.contains(form)) {
      setBusy(form, false);
    }
  });

  window.addEventListener("pageshow", function () {
    Array.prototype.slice.call(document.querySelectorAll(FORM)).forEach(function (form) {
      setBusy(form, false);
    });
  });
})();
