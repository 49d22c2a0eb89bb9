// Live updates over server-sent events for the pages that show them.
//
// A live page marks one element with data-live-events (the stream to listen
// to), data-live-refresh (the address of its fragment) and data-live-target
// (the fragment's name). When an event arrives, the fragment is fetched
// again and swapped in place; the page says when it last updated and
// whether it is connected. A form someone is typing in is never pulled away:
// the page says it changed and offers to refresh instead.

const EVENTS = ["case.started", "case.stage_changed", "case.completed", "case.sla_breached", "case.updated", "journey.changed"];

const root = document.querySelector("[data-live-events]");
if (root) start(root);
autosubmit();

function start(root) {
  const status = document.getElementById("live-status");
  const stateText = document.getElementById("live-state");
  const updated = document.getElementById("live-updated");
  const eventsURL = root.dataset.liveEvents;
  const refreshURL = root.dataset.liveRefresh;
  const target = root.dataset.liveTarget;

  let source = null;
  let opened = false; // an earlier connection was open: events may have been missed
  let retry = 1000;
  let timer = 0;
  let running = false;
  let again = false;
  let refreshButton = null;

  const show = (state, text) => {
    if (!status) return;
    status.dataset.state = state;
    stateText.textContent = text;
    if (state !== "stale" && refreshButton) {
      refreshButton.remove();
      refreshButton = null;
    }
  };

  const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const stamp = (when) => {
    if (!updated) return;
    updated.dateTime = when.toISOString();
    updated.textContent = clock.format(when);
  };
  // The server wrote the time in the workspace's zone; show the reader's.
  if (updated && updated.dateTime) {
    const d = new Date(updated.dateTime);
    if (!Number.isNaN(d.getTime())) stamp(d);
  }

  // Someone is typing in the live part, or has text waiting in it.
  const busy = () => {
    const a = document.activeElement;
    if (a && root.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return true;
    return [...root.querySelectorAll("textarea")].some((t) => t.value.trim() !== "");
  };

  const offerRefresh = () => {
    show("stale", "Changed");
    if (refreshButton || !status) return;
    refreshButton = document.createElement("button");
    refreshButton.type = "button";
    refreshButton.className = "live-refresh";
    refreshButton.textContent = "Refresh";
    refreshButton.addEventListener("click", () => refresh(true));
    status.append(" ", refreshButton);
  };

  const scrollers = () => [...root.querySelectorAll(".board, .board-cards, .stepper")];
  const scrollKey = (el) => (el.closest("[data-stage]")?.id || "") + "/" + el.className;

  // Where the focus is, as the nearest element with an id (a card, a
  // disclosure, a panel) and the place of the focused element among the
  // focusable ones inside it: the same card keeps it wherever it moved to,
  // and a disclosure's summary is found again though it has no id.
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  const focusKey = (el) => {
    if (!el || !root.contains(el)) return null;
    if (el.id) return { id: el.id };
    const scope = el.parentElement?.closest("[id]");
    if (!scope || !root.contains(scope)) return null;
    return { scope: scope.id, index: [...scope.querySelectorAll(FOCUSABLE)].indexOf(el) };
  };
  const refocus = (k) => {
    let el = document.getElementById(k.id || k.scope);
    if (el && !k.id) el = el.querySelectorAll(FOCUSABLE)[k.index] || el.querySelector(FOCUSABLE);
    el?.focus({ preventScroll: true });
  };

  const swap = (html) => {
    // Keep what the reader had open, where they had scrolled to and where
    // the keyboard focus was.
    const open = [...root.querySelectorAll("details[open]")].map((d) => d.querySelector("summary")?.textContent);
    const scrolled = new Map(scrollers().map((el) => [scrollKey(el), [el.scrollLeft, el.scrollTop]]));
    const focused = focusKey(document.activeElement);
    root.innerHTML = html;
    for (const d of root.querySelectorAll("details")) {
      if (open.includes(d.querySelector("summary")?.textContent)) d.open = true;
    }
    for (const el of scrollers()) {
      const at = scrolled.get(scrollKey(el));
      if (at) [el.scrollLeft, el.scrollTop] = at;
    }
    if (focused) refocus(focused);
    if (window.htmx) window.htmx.process(root);
  };

  async function refresh(force) {
    if (running) {
      again = true;
      return;
    }
    if (!force && busy()) {
      offerRefresh();
      return;
    }
    running = true;
    try {
      const res = await fetch(refreshURL, {
        headers: { "HX-Request": "true", "HX-Target": target },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (res.status === 401) {
        // The session ended: the login page, then back here.
        location.assign(res.headers.get("HX-Redirect") || "/login");
        return;
      }
      if (!res.ok) throw new Error("status " + res.status);
      swap(await res.text());
      stamp(new Date());
      show(source && source.readyState === EventSource.OPEN ? "live" : "connecting", source && source.readyState === EventSource.OPEN ? "Live" : "Connecting…");
    } catch (e) {
      show("error", "Update failed");
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  }

  // Events come in bursts (a move, then its SLA job): fetch once per burst.
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(false), 120);
  };

  const connect = () => {
    show("connecting", "Connecting…");
    source = new EventSource(eventsURL);
    source.onopen = () => {
      show("live", "Live");
      retry = 1000;
      if (opened) schedule(); // catch up on what happened while away
      opened = true;
    };
    for (const type of EVENTS) source.addEventListener(type, schedule);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (the server refused): try again later.
        source.close();
        show("offline", "Offline, retrying");
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      } else {
        show("connecting", "Reconnecting…");
      }
    };
  };

  connect();
  window.addEventListener("pagehide", () => source && source.close());
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) connect(); // back from the back-forward cache
  });
}

// A filter form with data-autosubmit applies a choice made with the mouse
// or a finger at once. A choice made with the keyboard waits for Apply (an
// arrow key on a closed list changes its value at each press, and reloading
// the page then would pull the list away from under the keyboard).
function autosubmit() {
  for (const form of document.querySelectorAll("form[data-autosubmit]")) {
    let keyboard = false;
    form.addEventListener("keydown", () => (keyboard = true));
    form.addEventListener("pointerdown", () => (keyboard = false));
    form.addEventListener("change", () => {
      if (!keyboard) form.requestSubmit();
    });
  }
}
