// wsconform report: filters and case details in plain JavaScript, with no server and no
// network. The matrix is static HTML; the details of every case are in one gzip'd JSON blob
// (to keep a 600-case x 5-target report small), unpacked the first time a case is opened.
// Everything that comes from a run is inserted as text, never as HTML: the peer chose it.
"use strict";
(function () {
  const matrix = document.getElementById("matrix");
  const form = document.getElementById("filters");
  const search = document.getElementById("search");
  const group = document.getElementById("group");
  const shown = document.getElementById("shown");
  const columns = matrix.querySelectorAll("thead th.t").length;
  const rows = Array.from(matrix.querySelectorAll("tbody tr.case"));
  const headings = Array.from(matrix.querySelectorAll("tbody tr.group, tbody tr.subgroup"));
  const index = rows.map((row) => ({
    row,
    text: (row.dataset.id + " " + row.querySelector("td.title").textContent).toLowerCase(),
    verdicts: Array.from(row.querySelectorAll("td.cell[data-v]"), (cell) => cell.dataset.v),
  }));

  // --- filters --------------------------------------------------------------------------

  function applyFilters() {
    const verdicts = new Set(
      Array.from(form.querySelectorAll("input[name=verdict]:checked"), (input) => input.value));
    const needle = search.value.trim().toLowerCase();
    const scope = group.value; // "", "g:<category>" or "s:<sub-category>"
    const groupsShown = new Set();
    const subgroupsShown = new Set();
    let count = 0;
    for (const entry of index) {
      const row = entry.row;
      const visible = entry.verdicts.some((v) => verdicts.has(v)) &&
        (!needle || entry.text.includes(needle)) &&
        (!scope || (scope.startsWith("g:") ? row.dataset.g : row.dataset.s) === scope.slice(2));
      row.hidden = !visible;
      for (let next = row.nextElementSibling; next && next.classList.contains("detail");
        next = next.nextElementSibling) {
        next.hidden = !visible;
      }
      if (visible) {
        count += 1;
        groupsShown.add(row.dataset.g);
        subgroupsShown.add(row.dataset.s);
      }
    }
    for (const heading of headings) {
      heading.hidden = heading.classList.contains("group")
        ? !groupsShown.has(heading.dataset.g) : !subgroupsShown.has(heading.dataset.s);
    }
    shown.textContent = count + " of " + rows.length + " cases shown";
  }

  // The column headings stick below the filter bar, whose height depends on the width.
  function measureFilters() {
    document.documentElement.style.setProperty("--filters-height", form.offsetHeight + "px");
  }
  window.addEventListener("resize", measureFilters);
  measureFilters();

  form.addEventListener("input", applyFilters);
  form.addEventListener("change", applyFilters);
  form.addEventListener("submit", (event) => event.preventDefault());

  // --- the details blob -----------------------------------------------------------------

  let details = null;
  function loadDetails() {
    if (!details) {
      details = (async () => {
        if (typeof DecompressionStream === "undefined") {
          throw new Error("this browser cannot unpack them (no DecompressionStream); " +
            "the per-case JSON records have everything");
        }
        const text = document.getElementById("wsconform-data").textContent.trim();
        const packed = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
        const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
        return JSON.parse(await new Response(stream).text());
      })();
    }
    return details;
  }

  // --- opening a case -------------------------------------------------------------------

  function cellOf(row, t) {
    return row.querySelector('td.cell[data-t="' + t + '"]');
  }

  function detailOf(row, t) {
    for (let next = row.nextElementSibling; next && next.classList.contains("detail");
      next = next.nextElementSibling) {
      if (Number(next.dataset.t) === t) return next;
    }
    return null;
  }

  function toggle(row, t, scroll) {
    const open = detailOf(row, t);
    const cell = cellOf(row, t);
    if (open) {
      open.remove();
      cell.classList.remove("open");
      history.replaceState(null, "", location.pathname + location.search);
      return;
    }
    const tr = el("tr", { class: "detail" });
    tr.dataset.t = String(t);
    const td = el("td", {}, "Loading the case details ...");
    td.colSpan = 2 + columns;
    tr.append(td);
    let after = row; // keep the open details of one row in column order
    while (after.nextElementSibling && after.nextElementSibling.classList.contains("detail") &&
      Number(after.nextElementSibling.dataset.t) < t) {
      after = after.nextElementSibling;
    }
    after.after(tr);
    cell.classList.add("open");
    history.replaceState(null, "", "#case=" + t + "/" + encodeURIComponent(row.dataset.id));
    loadDetails().then(
      (data) => {
        td.replaceChildren(renderCase(data, t, row.dataset.id));
        if (scroll) tr.scrollIntoView({ block: "start" });
      },
      (error) => { td.textContent = "The case details cannot be shown: " + error.message; });
  }

  matrix.addEventListener("click", (event) => {
    const link = event.target.closest("td.cell a");
    if (!link) return;
    event.preventDefault();
    const cell = link.parentElement;
    toggle(cell.parentElement, Number(cell.dataset.t), false);
  });

  function openFromHash() {
    const match = /^#case=(\d+)\/(.+)$/.exec(location.hash);
    if (!match) return;
    const t = Number(match[1]);
    const id = decodeURIComponent(match[2]);
    const row = rows.find((r) => r.dataset.id === id);
    if (row && cellOf(row, t) && !detailOf(row, t)) toggle(row, t, true);
  }
  window.addEventListener("hashchange", openFromHash);

  // --- rendering a case -----------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function pill(verdict) {
    return el("span", { class: "pill v-" + verdict.toLowerCase() }, verdict);
  }

  function renderCase(data, t, id) {
    const about = data.cases[id] || {};
    const c = data.targets[t].cases[id];
    const wire = c.wire;
    const record = () => (c.record ? el("a", { href: c.record }, c.record) : "(none)");
    const box = el("div", { class: "case-detail" });
    box.append(el("h3", {}, id + " " + (about.title || ""), " ",
      el("span", { class: "muted" }, "on " + data.targets[t].label)));

    const facts = el("dl", { class: "facts" });
    const fact = (name, ...value) => {
      if (value.every((v) => v === null || v === undefined || v === "")) return;
      facts.append(el("dt", {}, name), el("dd", {}, ...value));
    };
    fact("Verdict", pill(c.verdict),
      "  behavior " + (c.behavior || "?") + ", closing " + (c.behavior_close || "?"));
    fact("RFC", about.rfc);
    fact("Expectation", about.expectation);
    fact("Observation", c.observation);
    fact("Reasoning", [c.result, c.result_close].filter(Boolean).join("\n"));
    fact("Baseline", c.baseline);
    fact("Severity", c.severity);
    const close = [];
    if (c.remote_close_code !== null && c.remote_close_code !== undefined) {
      close.push("peer sent " + c.remote_close_code +
        (wire && wire.remote_close_reason ? " " + JSON.stringify(wire.remote_close_reason) : ""));
    } else {
      close.push("peer sent no close code");
    }
    if (wire && wire.local_close_code !== undefined) close.push("we sent " + wire.local_close_code);
    if (wire && wire.was_clean !== undefined) close.push(wire.was_clean ? "clean" : "not clean");
    fact("Close", close.join("; "));
    fact("Duration", c.duration_ms + " ms" + (wire && wire.handshake_us !== undefined
      ? " (opening handshake done at " + (wire.handshake_us / 1000).toFixed(1) + " ms)" : ""));
    if (c.metrics && Object.keys(c.metrics).length) {
      fact("Metrics", el("ul", {}, ...Object.entries(c.metrics).map(
        ([k, v]) => el("li", {}, k + ": " + JSON.stringify(v)))));
    }
    if (wire && wire.notes.length) {
      fact("Notes", el("ul", {}, ...wire.notes.map((n) => el("li", {}, n))));
    }
    box.append(facts);

    if (!wire) {
      box.append(el("p", { class: "gap" }, "No wire log: " + (c.wire_error || "no record") + ". ",
        "Record: ", record()));
      return box;
    }
    if (wire.request || wire.response) {
      box.append(el("h4", {}, "Opening handshake"),
        el("div", { class: "handshake" }, el("pre", {}, wire.request || "(nothing sent)"),
          el("pre", {}, wire.response || "(no response)")));
    }
    if (wire.partial) {
      box.append(el("p", { class: "gap" }, "A big record (" +
        (wire.record_bytes / 1048576).toFixed(1) + " MiB): what its first " +
        Math.round(wire.head_bytes / 1024) + " KiB hold is shown here; all of it is in ",
        record(), "."));
    }
    box.append(el("h4", {}, "Frames (" + (wire.frames_total !== null ? wire.frames_total
      : "first " + wire.frames.length + " shown") + ")"));
    box.append(wire.frames.length ? framesTable(wire, record) : el("p", { class: "gap" },
      wire.frames_total === 0 ? "none" : "in the full record"));
    const rawShown = wire.chunks.reduce((sum, chunk) => sum + chunk[3], 0);
    const total = wire.bytes_total;
    box.append(el("h4", {}, "Raw bytes" + (total !== null
      ? " (" + total + " in " + wire.chunks_total + " reads and writes)"
      : wire.chunks.length ? " (first " + rawShown + " shown)" : "")));
    if (wire.chunks.length) box.append(hexDump(wire));
    if (wire.shortened && total !== null && rawShown < total) {
      // --wire-log failed|summary kept only the ends of this passed case's traffic: the bytes
      // between are in no file, only their digest is (in the notes).
      box.append(el("p", { class: "gap" }, (total - rawShown) + " bytes between the ends shown " +
        "were not recorded (--wire-log " + (wire.shortened.mode || "failed") + "; their " +
        "SHA-256 is in the notes; --wire-log full keeps every byte). Record: ", record()));
    } else if (total === null || rawShown < total) {
      box.append(el("p", { class: "gap" }, (total !== null ? (total - rawShown) + " more bytes"
        : wire.chunks.length ? "The rest" : "All of them") + " in the full record: ", record()));
    } else {
      box.append(el("p", {}, "Full record: ", record()));
    }
    return box;
  }

  function framesTable(wire, record) {
    const head = ["#", "ms", "", "FIN", "RSV", "opcode", "mask key", "length", "payload"];
    const body = el("tbody");
    wire.frames.forEach((frame, i) => {
      const [tUs, dir, fin, rsv, opcode, opName, mask, declared, length, preview, isText] = frame;
      const size = declared === length ? String(length) : length + " (header: " + declared + ")";
      const shownBytes = isText ? new TextEncoder().encode(preview).length : preview.length / 2;
      const more = shownBytes < length ? " ..." : "";
      const payload = isText ? JSON.stringify(preview) + more : (preview || "-") + more;
      body.append(el("tr", { class: dir },
        el("td", {}, String(i + 1)),
        el("td", {}, (tUs / 1000).toFixed(3)),
        el("td", { class: "dir" }, dir === "tx" ? "\u2192 sent" : "\u2190 received"),
        el("td", {}, String(fin)),
        el("td", {}, Number(rsv).toString(2).padStart(3, "0")),
        el("td", {}, opcode + (opName ? " " + opName : "")),
        el("td", { class: "mono" }, mask || "-"),
        el("td", {}, size),
        el("td", { class: "payload mono" }, payload)));
    });
    if (wire.frames_more) {
      const gap = el("td", {}, "... " + (wire.frames_total !== null
        ? (wire.frames_total - wire.frames.length) + " more frames" : "more frames") +
        ": full record in ", record());
      gap.colSpan = head.length;
      body.append(el("tr", { class: "gap" }, gap));
    }
    return el("table", { class: "frames" },
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))), body);
  }

  function hexDump(wire) {
    const bytes = Uint8Array.from(atob(wire.raw), (c) => c.charCodeAt(0));
    const pre = el("pre", { class: "hex" });
    let position = 0;
    for (const [tUs, dir, length, count, elided] of wire.chunks) {
      pre.append(el("span", { class: "chunk" }, (dir === "tx" ? "\u2192 sent " : "\u2190 received ") +
        length + " bytes at " + (tUs / 1000).toFixed(3) + " ms\n"));
      const lines = [];
      for (let offset = 0; offset < count; offset += 16) {
        const line = bytes.subarray(position + offset, position + Math.min(offset + 16, count));
        const hex = Array.from(line, (b) => b.toString(16).padStart(2, "0")).join(" ");
        const text = Array.from(line, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : "."))
          .join("");
        lines.push(offset.toString(16).padStart(6, "0") + "  " + hex.padEnd(48) + text);
      }
      if (elided) {
        lines.push("(bytes not recorded: beyond the runner's recording budget)");
      } else if (count < length) {
        lines.push("... " + (length - count) + " more bytes of this chunk");
      }
      pre.append(lines.join("\n") + "\n");
      position += count;
    }
    return pre;
  }

  applyFilters();
  openFromHash();
})();
