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
