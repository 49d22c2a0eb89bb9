// Waymark's front end: htmx for interaction, plus a few keyboard niceties.
// Every page works without it; this only makes pages quicker to use.
// Settings for htmx live in the <meta name="htmx-config"> of the layout.
import htmx from "htmx.org";

window.htmx = htmx;

const search = () => document.getElementById("global-search");
const results = () => document.getElementById("search-results");

function closeResults() {
  const r = results();
  if (r) r.replaceChildren();
}

function typing(el) {
  return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

document.addEventListener("keydown", (e) => {
  // "/" jumps to the global search, as in most tools people already use.
  if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(document.activeElement)) {
    const s = search();
    if (s) {
      e.preventDefault();
      s.focus();
      s.select();
    }
  }
  if (e.key === "Escape") {
    const active = document.activeElement;
    if (active === search() || results()?.contains(active)) {
      closeResults();
      search()?.focus();
    }
  }
  // Arrow down from the search box moves into the live results.
  if (e.key === "ArrowDown" && document.activeElement === search()) {
    const first = results()?.querySelector("a");
    if (first) {
      e.preventDefault();
      first.focus();
    }
  }
});

// Once htmx has started (this listener runs after its own, when the page
// is parsed):
function started() {
  // htmx takes the search box's value as it finds it: keys typed before
  // it started would not be heard. Search for them now.
  const s = search();
  if (s && s.value.trim() !== "" && s.value !== s.defaultValue) {
    htmx.ajax("GET", "/search", { source: s, target: "#search-results", swap: "innerHTML", values: { q: s.value } });
  }
  // A large script that a page needs but its own scripts must not wait for
  // (the charts' bundle) is named by <link rel="preload" as="script"
  // data-after-start>: fetched while the page is parsed, it runs now.
  for (const link of document.querySelectorAll('link[rel="preload"][as="script"][data-after-start]')) {
    const script = document.createElement("script");
    script.src = link.href;
    document.body.append(script);
  }
}
if (document.readyState === "complete") {
  started();
} else {
  document.addEventListener("DOMContentLoaded", started);
}

// Close the live results when the user clicks elsewhere.
document.addEventListener("click", (e) => {
  const form = document.getElementById("global-search-form");
  if (form && !form.contains(e.target)) closeResults();
});

// A button with data-copy="id" copies that field's value (a one-time link
// or token) and says so.
document.addEventListener("click", async (e) => {
  const btn = e.target.closest?.("button[data-copy]");
  if (!btn) return;
  const field = document.getElementById(btn.dataset.copy);
  if (!field) return;
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    document.execCommand?.("copy");
  }
  const label = btn.textContent;
  btn.textContent = "Copied";
  setTimeout(() => (btn.textContent = label), 1500);
});

// ---- keeping the keyboard where it was ----

const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

// A form posted back to the same page (a case move, a cell change) comes
// back with the focus where the user was, not at the top of the page: the
// button they pressed, or else its form or section.
const KEEP = "waymark:focus";
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (e.defaultPrevented || form.method.toLowerCase() !== "post") return;
  const by = e.submitter || document.activeElement;
  try {
    sessionStorage.setItem(KEEP, JSON.stringify({
      path: location.pathname,
      ids: [by?.id, form.id, form.closest("[id]")?.id].filter(Boolean),
      y: window.scrollY,
    }));
  } catch {
    // Storage may be off; the page then starts at the top, as without script.
  }
});

function focusOn(el) {
  if (!el) return false;
  if (!el.matches(FOCUSABLE)) el.tabIndex = -1;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: "nearest" });
  return document.activeElement === el;
}

function restoreFocus() {
  // The server names where the focus goes (the journey editor after a
  // reorder or a removal); an autofocused field has it already.
  const named = document.querySelector("[data-focus]");
  const auto = document.querySelector("[autofocus]");
  let kept = null;
  try {
    kept = JSON.parse(sessionStorage.getItem(KEEP) || "null");
    sessionStorage.removeItem(KEEP);
  } catch {
    kept = null;
  }
  if (named && !auto && focusOn(document.getElementById(named.dataset.focus))) return;
  if (auto || !kept || kept.path !== location.pathname) return;
  window.scrollTo(0, kept.y);
  for (const id of kept.ids) {
    const el = document.getElementById(id);
    if (el && el.getClientRects().length && focusOn(el)) return;
  }
}
restoreFocus();

// A sticky bar at the bottom of a form (the journey editor's Save) must not
// hide the field that has the focus: scroll it up above the bar.
document.addEventListener("focusin", (e) => {
  const bar = e.target.closest?.("form")?.querySelector(".form-actions");
  if (!bar || bar.contains(e.target)) return;
  const over = e.target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top + 8;
  if (over > 0 && getComputedStyle(bar).position === "sticky") window.scrollBy(0, over);
});
