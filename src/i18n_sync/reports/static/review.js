// i18n-sync review: live checks, preview and saving for each unit. Text from the server is only ever
// put into the page as text (textContent), never as markup; the preview frames get sanitized HTML
// in a sandbox without scripts.
"use strict";
(function () {
  const token = document.querySelector('meta[name="i18n-sync-token"]').content;

  async function call(path, data) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-I18n-Sync-Token": token },
      body: JSON.stringify(data),
      credentials: "omit",
    });
    let body = {};
    try { body = await response.json(); } catch (error) { body = { error: "no answer from i18n-sync" }; }
    return { ok: response.ok, body: body };
  }

  function entryOf(unit) {
    const section = unit.closest("section.document");
    return {
      section: section,
      source: section.dataset.source,
      catalog: section.dataset.catalog,
      msgid: unit.dataset.msgid,
      msgstr: unit.querySelector("textarea").value,
    };
  }

  function request(entry) {
    return { source: entry.source, catalog: entry.catalog, msgid: entry.msgid, msgstr: entry.msgstr };
  }

  function showFindings(unit, findings) {
    const list = unit.querySelector("ul.findings");
    list.replaceChildren();
    for (const finding of findings) {
      const item = document.createElement("li");
      item.className = finding.level === "error" ? "error" : "warning";
      const id = document.createElement("code");
      id.textContent = "[" + finding.check + "]";
      item.append(id, " " + finding.level + ": " + finding.message);
      list.append(item);
    }
    unit.dataset.errors = String(findings.filter((f) => f.level === "error").length);
  }

  function say(unit, text, good) {
    const result = unit.querySelector(".result");
    result.textContent = text;
    result.className = "result " + (good ? "ok" : "bad");
  }

  function scrollToMark(frame) {
    const doc = frame.contentDocument;
    if (!doc) return;
    const mark = doc.getElementById("i18n-sync-here");
    if (!mark) return;
    const block = mark.tagName === "SPAN" ? mark.parentElement : mark;
    block.classList.add("here");
    const top = block.getBoundingClientRect().top + frame.contentWindow.scrollY - 24;
    frame.contentWindow.scrollTo(0, Math.max(0, top));
  }

  function show(frame, html) {
    frame.addEventListener("load", () => scrollToMark(frame), { once: true });
    frame.srcdoc = html;
  }

  // Answers can come back out of order: only the last request's answer is shown.
  let previews = 0;
  const checks = new WeakMap();

  async function preview(unit, reveal) {
    const entry = entryOf(unit);
    const asked = ++previews;
    document.querySelectorAll(".unit.active").forEach((u) => u.classList.remove("active"));
    unit.classList.add("active");
    const answer = await call("/api/preview", request(entry));
    if (asked !== previews) return;
    if (!answer.ok) { say(unit, answer.body.error, false); return; }
    document.getElementById("preview-doc").textContent =
      entry.section.dataset.source + " · " + entry.catalog + (answer.body.used ? "" : " (this unit falls back to English)");
    show(document.getElementById("preview-en"), answer.body.english);
    show(document.getElementById("preview-tr"), answer.body.translated);
    // On a narrow screen the preview is below the units: the button takes the reader there.
    if (reveal && window.matchMedia("(max-width: 900px)").matches) {
      document.querySelector("aside.preview").scrollIntoView();
    }
  }

  async function check(unit) {
    const entry = entryOf(unit);
    const asked = (checks.get(unit) || 0) + 1;
    checks.set(unit, asked);
    const answer = await call("/api/check", request(entry));
    if (checks.get(unit) !== asked) return;
    if (!answer.ok) { say(unit, answer.body.error, false); return; }
    showFindings(unit, answer.body.findings);
    // Beside the save's answer, not over it: a check can come back after a save.
    unit.querySelector(".checked").textContent = answer.body.findings.length ? "" : "checks pass";
  }

  async function save(unit) {
    const entry = entryOf(unit);
    const button = unit.querySelector("button.save");
    button.disabled = true;
    const answer = await call("/api/save", Object.assign(request(entry), {
      fuzzy: unit.querySelector("input.keep-fuzzy").checked,
      digest: entry.section.dataset.digest,
    }));
    button.disabled = false;
    if (!answer.ok) { say(unit, answer.body.error, false); return; }
    document.querySelectorAll("section.document").forEach((section) => {
      if (section.dataset.catalog === entry.catalog) section.dataset.digest = answer.body.digest;
    });
    const badge = unit.querySelector(".badge");
    badge.textContent = answer.body.state;
    badge.className = "badge " + answer.body.state;
    say(unit, "Saved (" + answer.body.state + ")", true);
  }

  const timers = new WeakMap();
  document.querySelectorAll("article.unit").forEach((unit) => {
    const box = unit.querySelector("textarea");
    if (!box) return;
    box.addEventListener("input", () => {
      say(unit, "", true);  // an earlier save's answer is about another text
      clearTimeout(timers.get(unit));
      timers.set(unit, setTimeout(async () => { await check(unit); await preview(unit, false); }, 250));
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); save(unit); }
    });
    box.addEventListener("focus", () => { if (!unit.classList.contains("active")) preview(unit, false); });
    unit.querySelector("button.preview-button").addEventListener("click", () => preview(unit, true));
    unit.querySelector("button.save").addEventListener("click", () => save(unit));
  });
})();
