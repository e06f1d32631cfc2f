/*
  Keyboard and focus care for the interview page (bundled; nothing is fetched).

  Streamlit runs the page script on the server; the browser marks the app root
  with data-test-script-state = "running" | "notRunning". This script:

  1. says so when a paste would take the answer past the limit (Streamlit's
     box refuses such input whole, and silently; the text stays on the
     clipboard and what was typed before stays in the box);
  2. keeps the chat box usable while the interviewer answers: the candidate can
     type the next answer, but Enter (or the send button) is held back until
     the reply has ended, so a draft is never submitted into a half-finished
     turn and never lost; a polite status line says why;
  3. puts focus back in the chat box when a run ends, if focus was nowhere
     (on the page body, or on a control that a rerun replaced) or on one of the
     interview's own buttons (Hint, Next step, Retry, Keep going);
  4. on the start page, focuses the problem picker once, so a keyboard user
     reaches it first instead of tabbing through the sidebar.

  It installs once per browser tab; later page runs find it installed.
*/
(function () {
  "use strict";
  if (window.__interviewerKeys) return;
  window.__interviewerKeys = true;

  var doc = document;
  var BOX = '[data-testid="stChatInputTextArea"]';
  var SEND = '[data-testid="stChatInputSubmitButton"]';
  var OWN_BUTTONS = ".st-key-ctl_hint, .st-key-ctl_next, .st-key-ctl_keep, .st-key-retry";
  var PICKER = ".st-key-start_problem input";
  var startFocused = false;

  function appRoot() {
    return doc.querySelector('[data-testid="stApp"]');
  }

  function running() {
    var root = appRoot();
    return !!root && root.getAttribute("data-test-script-state") === "running";
  }

  function statusLine() {
    var el = doc.getElementById("ivw-busy");
    if (!el) {
      el = doc.createElement("div");
      el.id = "ivw-busy";
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      el.style.cssText =
        "position:fixed;left:50%;transform:translateX(-50%);bottom:7.5rem;z-index:1000;" +
        "max-width:90vw;padding:4px 10px;border-radius:6px;font:14px/1.4 sans-serif;" +
        "background:#31333f;color:#ffffff;display:none";
      doc.body.appendChild(el);
    }
    return el;
  }

  function say(text) {
    var el = statusLine();
    el.textContent = text;
    el.style.display = text ? "block" : "none";
  }

  function holdBack(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
    say("The interviewer is still answering. Your text is kept: press Enter when the reply ends.");
  }

  // Capture phase on the document runs before React's listeners on its root.
  doc.addEventListener(
    "keydown",
    function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
      var target = event.target;
      if (!target || !target.matches || !target.matches(BOX)) return;
      if (running()) holdBack(event);
    },
    true
  );
  doc.addEventListener(
    "click",
    function (event) {
      var target = event.target;
      if (target && target.closest && target.closest(SEND) && running()) holdBack(event);
    },
    true
  );

  doc.addEventListener(
    "paste",
    function (event) {
      var box = event.target;
      var limit = window.__interviewerMaxChars || 0;
      if (!limit || !box || !box.matches || !box.matches(BOX)) return;
      var pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
      var kept = box.value.length - (box.selectionEnd - box.selectionStart);
      if (kept + pasted.length > limit) {
        say(
          "Not pasted: that would make " + (kept + pasted.length).toLocaleString("en") +
          " characters, and the limit is " + limit.toLocaleString("en") +
          ". It is still on your clipboard; shorten it, or send it in parts."
        );
      }
    },
    true
  );
  doc.addEventListener(
    "input",
    function (event) {
      // The refused paste itself fires "input" (over the limit, before the box
      // puts its old text back): keep the message for that one.
      var box = event.target;
      var limit = window.__interviewerMaxChars || Infinity;
      if (box && box.matches && box.matches(BOX) && !running() && box.value.length <= limit) say("");
    },
    true
  );

  function focusBox() {
    var box = doc.querySelector(BOX);
    if (!box || box.disabled) return;
    var active = doc.activeElement;
    var lost = !active || active === doc.body || !doc.contains(active);
    if (lost || (active.closest && active.closest(OWN_BUTTONS))) box.focus();
  }

  function focusPicker() {
    var picker = doc.querySelector(PICKER);
    if (!picker) {
      startFocused = false;
      return;
    }
    var active = doc.activeElement;
    if (!startFocused && (!active || active === doc.body)) {
      picker.focus();
    }
    startFocused = true;
  }

  // After a run ends, the last elements may reach the page a moment later
  // (more so on a slow machine): for a short while, every change to the page
  // tries the focus rules again. They never take focus from where the
  // candidate put it.
  var SETTLE_MS = 3000;
  var settleUntil = 0;

  function settle() {
    if (running()) return;
    focusBox();
    focusPicker();
  }

  function settled() {
    say("");
    settleUntil = Date.now() + SETTLE_MS;
    settle();
  }

  function watch() {
    var root = appRoot();
    if (!root) {
      window.setTimeout(watch, 100);
      return;
    }
    new MutationObserver(function () {
      if (root.getAttribute("data-test-script-state") === "notRunning") settled();
    }).observe(root, { attributes: true, attributeFilter: ["data-test-script-state"] });
    new MutationObserver(function () {
      if (Date.now() < settleUntil) settle();
    }).observe(doc.body, { childList: true, subtree: true });
    if (!running()) settled();
  }

  watch();
})();
