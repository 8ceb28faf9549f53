// A small, safe Markdown to HTML converter. Every character of the source is
// escaped; the only tags in the output are the ones made here, and links keep
// http(s) and relative targets only. Supports headings, paragraphs, hard breaks,
// emphasis, strikethrough, inline code, fenced and indented code, links,
// autolinks, nested lists, block quotes, rules and (GitHub's) pipe tables.

const ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The URL if it is http(s) or relative, else null. */
export function safeUrl(url) {
  // Browsers drop control characters and whitespace inside a scheme ("java\nscript:").
  const cleaned = String(url).replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned);
  if (scheme && !/^https?$/i.test(scheme[1])) return null;
  return cleaned;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,12})([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|$)/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

/** The cells of a table row: split on pipes that are not escaped. */
function tableCells(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

/** A header row, then a delimiter row with a pipe and as many cells. */
function tableAt(lines, i) {
  const delimiter = lines[i + 1];
  if (!lines[i].includes("|") || delimiter === undefined || !delimiter.includes("|") ||
    !TABLE_DELIMITER.test(delimiter)) return null;
  const head = tableCells(lines[i]);
  const aligns = tableCells(delimiter).map((cell) =>
    cell.startsWith(":") && cell.endsWith(":") ? "center" : cell.endsWith(":") ? "right" :
      cell.startsWith(":") ? "left" : null);
  return head.length === aligns.length ? {head, aligns} : null;
}

function renderTable(lines, i, out, {head, aligns}) {
  const cell = (tag, text, n) => {
    const align = aligns[n] ? ` style="text-align: ${aligns[n]}"` : "";
    return `<${tag}${align}>${renderInline(text ?? "")}</${tag}>`;
  };
  const rows = [];
  i += 2;
  while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) {
    const cells = tableCells(lines[i]);
    rows.push(`<tr>${aligns.map((_, n) => cell("td", cells[n], n)).join("")}</tr>`);
    i += 1;
  }
  out.push(`<table>\n<thead>\n<tr>${head.map((text, n) => cell("th", text, n)).join("")}</tr>\n</thead>` +
    (rows.length ? `\n<tbody>\n${rows.join("\n")}\n</tbody>` : "") + "\n</table>");
  return i;
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) ||
    ITEM.test(line);
}

const isBlank = (line) => line.trim() === "";
const indentOf = (line) => line.length - line.trimStart().length;

export function renderMarkdown(source) {
  const text = String(source ?? "").replace(/\r\n?/g, "\n").replace(/\t/g, "    ")
    .replace(/\u0000/g, "\ufffd");
  return renderBlocks(text.split("\n")).join("\n");
}

function renderBlocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (isBlank(line)) {
      i += 1;
    } else if ((m = FENCE.exec(line))) {
      const fence = m[1];
      const body = [];
      i += 1;
      while (i < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[i])) {
        body.push(lines[i]);
        i += 1;
      }
      i += 1; // the closing fence (or the end)
      const lang = m[2] ? ` class="language-${escapeHtml(m[2])}"` : "";
      out.push(`<pre><code${lang}>${escapeHtml(body.join("\n"))}</code></pre>`);
    } else if ((m = HEADING.exec(line))) {
      const level = m[1].length;
      out.push(`<h${level}>${renderInline(m[2] ?? "")}</h${level}>`);
      i += 1;
    } else if (RULE.test(line)) {
      out.push("<hr>");
      i += 1;
    } else if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && !isBlank(lines[i])) {
        body.push(lines[i].replace(QUOTE, ""));
        i += 1;
      }
      out.push(`<blockquote>\n${renderBlocks(body).join("\n")}\n</blockquote>`);
    } else if (ITEM.test(line)) {
      i = renderList(lines, i, out);
    } else if ((m = tableAt(lines, i))) {
      i = renderTable(lines, i, out, m);
    } else if (indentOf(line) >= 4) {
      const body = [];
      while (i < lines.length && (isBlank(lines[i]) || indentOf(lines[i]) >= 4)) {
        body.push(lines[i].slice(4));
        i += 1;
      }
      while (body.length && isBlank(body[body.length - 1])) body.pop();
      out.push(`<pre><code>${escapeHtml(body.join("\n"))}</code></pre>`);
    } else {
      const body = [];
      while (i < lines.length && !isBlank(lines[i]) && (body.length === 0 || !startsBlock(lines[i]))) {
        body.push(lines[i]);
        i += 1;
      }
      out.push(`<p>${renderParagraph(body)}</p>`);
    }
  }
  return out;
}

function renderList(lines, i, out) {
  const first = ITEM.exec(lines[i]);
  const baseIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const items = [];
  let current = null;
  while (i < lines.length) {
    const line = lines[i];
    const m = ITEM.exec(line);
    if (m && m[1].length <= baseIndent + 1 && /\d/.test(m[2]) === ordered) {
      current = {lines: [m[3] ?? ""], indent: m[1].length + m[2].length + 1};
      items.push(current);
      i += 1;
    } else if (isBlank(line)) {
      const next = lines.slice(i + 1).find((l) => !isBlank(l));
      if (next === undefined || indentOf(next) < current.indent && !ITEM.test(next)) break;
      if (indentOf(next) < current.indent && indentOf(next) < baseIndent) break;
      current.lines.push("");
      i += 1;
    } else if (indentOf(line) >= current.indent || (m && indentOf(line) > baseIndent)) {
      current.lines.push(line.slice(Math.min(current.indent, indentOf(line))));
      i += 1;
    } else if (!startsBlock(line) && !isBlank(lines[i - 1])) {
      current.lines.push(line.trim()); // a lazy continuation of the paragraph
      i += 1;
    } else {
      break;
    }
  }
  const tag = ordered ? "ol" : "ul";
  const start = ordered ? parseInt(first[2], 10) : 1;
  const attrs = ordered && start !== 1 ? ` start="${start}"` : "";
  const rendered = items.map((item) => {
    let html = renderBlocks(item.lines).join("\n");
    // A tight item is one paragraph and maybe a nested list: no <p> around it.
    html = html.replace(/^<p>([\s\S]*?)<\/p>(?=\n<[uo]l|$)/, "$1");
    return `<li>${html}</li>`;
  });
  out.push(`<${tag}${attrs}>\n${rendered.join("\n")}\n</${tag}>`);
  return i;
}

function renderParagraph(lines) {
  const joined = lines.map((line, n) => {
    const last = n === lines.length - 1;
    const hard = !last && (/ {2,}$/.test(line) || /\\$/.test(line));
    const trimmed = line.trim().replace(/\\$/, last ? "\\" : "");
    return hard ? `${trimmed}\u0001` : trimmed;
  }).join("\n");
  return renderInline(joined).replace(/\u0001\n/g, "<br>\n");
}

const LINK = /^\[((?:[^[\]\\]|\\.|\[[^[\]]*\])*)\]\(\s*(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)(?:\s+("[^"]*"|'[^']*'))?\s*\)/;
const AUTOLINK = /^<(https?:\/\/[^\s<>]+)>/i;
const PUNCTUATION = /[!-/:-@[-`{-~]/;

/** Inline Markdown: code spans and links become placeholders while the rest is escaped. */
export function renderInline(text) {
  const parts = [];
  const hold = (html) => `\u0000${parts.push(html) - 1}\u0000`;
  let plain = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && PUNCTUATION.test(text[i + 1] ?? "")) {
      plain += hold(escapeHtml(text[i + 1]));
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(text.slice(i))[0];
      const close = text.indexOf(run, i + run.length);
      if (close !== -1 && text[close + run.length] !== "`") {
        let code = text.slice(i + run.length, close).replace(/\n/g, " ");
        if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1);
        plain += hold(`<code>${escapeHtml(code)}</code>`);
        i = close + run.length;
      } else {
        plain += run;
        i += run.length;
      }
      continue;
    }
    let m;
    if (c === "[" && (m = LINK.exec(text.slice(i)))) {
      const url = safeUrl(m[2].replace(/^<|>$/g, ""));
      const label = renderInline(m[1]);
      if (url === null) {
        plain += hold(label);
      } else {
        const title = m[3] ? ` title="${escapeHtml(m[3].slice(1, -1))}"` : "";
        const external = /^https?:/i.test(url) ? ' rel="noopener noreferrer" target="_blank"' : "";
        plain += hold(`<a href="${escapeHtml(url)}"${title}${external}>${label}</a>`);
      }
      i += m[0].length;
      continue;
    }
    if (c === "<" && (m = AUTOLINK.exec(text.slice(i)))) {
      const url = escapeHtml(m[1]);
      plain += hold(`<a href="${url}" rel="noopener noreferrer" target="_blank">${url}</a>`);
      i += m[0].length;
      continue;
    }
    plain += c;
    i += 1;
  }
  const html = emphasis(escapeHtml(plain));
  return html.replace(/\u0000(\d+)\u0000/g, (_, n) => parts[Number(n)]);
}

function emphasis(html) {
  return html
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>")
    .replace(/\*([^\s*](?:[\s\S]*?[^\s*])?)\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_([^\s_](?:[\s\S]*?[^\s_])?)_(?!\w)/g, "$1<em>$2</em>");
}
