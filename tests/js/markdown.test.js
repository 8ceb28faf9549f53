import assert from "node:assert/strict";
import {describe, it} from "node:test";

import {escapeHtml, renderInline, renderMarkdown, safeUrl} from "../../aioserve/static/markdown.js";

describe("escaping", () => {
  it("escapes every HTML special character", () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("never lets raw HTML through", () => {
    const html = renderMarkdown("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
    assert.ok(!html.includes("<script"));
    assert.ok(!html.includes("<img"));
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  });

  it("escapes inside code spans, code blocks, headings and links", () => {
    assert.equal(renderInline("`<b>`"), "<code>&lt;b&gt;</code>");
    assert.equal(renderMarkdown("```\n<i>&\n```"), "<pre><code>&lt;i&gt;&amp;</code></pre>");
    assert.equal(renderMarkdown("# a <b>"), "<h1>a &lt;b&gt;</h1>");
    assert.equal(renderInline('[<x>](/p?a=1&b="2")'), '<a href="/p?a=1&amp;b=&quot;2&quot;">&lt;x&gt;</a>');
  });

  it("does not treat a fence's language as markup", () => {
    assert.equal(renderMarkdown('```py"><x\nok\n```'), '<pre><code class="language-py&quot;&gt;&lt;x">ok</code></pre>');
  });
});

describe("links", () => {
  it("keeps http, https and relative targets", () => {
    assert.equal(safeUrl("https://example.org/a"), "https://example.org/a");
    assert.equal(safeUrl("HTTP://example.org"), "HTTP://example.org");
    assert.equal(safeUrl("/docs"), "/docs");
    assert.equal(safeUrl("page.html#top"), "page.html#top");
    assert.equal(safeUrl("#frag"), "#frag");
  });

  it("refuses every other scheme, however it is disguised", () => {
    for (const url of ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:x", "java\tscript:x",
      "java\nscript:x", "\u0001javascript:x", "data:text/html,<b>", "vbscript:x", "file:///etc/passwd"]) {
      assert.equal(safeUrl(url), null, url);
    }
  });

  it("renders an unsafe link as its text only", () => {
    assert.equal(renderInline("[click](javascript:alert(1))"), "click");
  });

  it("opens absolute links in a new tab without an opener", () => {
    assert.equal(renderInline("[a](https://x.org)"),
      '<a href="https://x.org" rel="noopener noreferrer" target="_blank">a</a>');
    assert.equal(renderInline("[a](rel/path)"), '<a href="rel/path">a</a>');
    assert.match(renderInline("<https://x.org/?q=1>"), /^<a href="https:\/\/x.org\/\?q=1"/);
  });
});

describe("blocks", () => {
  it("renders headings and paragraphs", () => {
    assert.equal(renderMarkdown("# One\n## Two ##\n\nSome text\nwrapped."),
      "<h1>One</h1>\n<h2>Two</h2>\n<p>Some text\nwrapped.</p>");
  });

  it("renders bold, italic, strikethrough and code", () => {
    assert.equal(renderInline("**b** *i* _u_ __s__ ~~d~~ `c`"),
      "<strong>b</strong> <em>i</em> <em>u</em> <strong>s</strong> <del>d</del> <code>c</code>");
    assert.equal(renderInline("snake_case_name and 2*3*4"), "snake_case_name and 2<em>3</em>4");
  });

  it("does not apply emphasis inside code", () => {
    assert.equal(renderInline("`**not bold**`"), "<code>**not bold**</code>");
  });

  it("renders backslash escapes literally", () => {
    assert.equal(renderInline("\\*not em\\*"), "*not em*");
  });

  it("renders unordered, ordered and nested lists", () => {
    assert.equal(renderMarkdown("- a\n- b\n  - c\n- d"),
      "<ul>\n<li>a</li>\n<li>b\n<ul>\n<li>c</li>\n</ul></li>\n<li>d</li>\n</ul>");
    assert.equal(renderMarkdown("3. x\n4. y"), '<ol start="3">\n<li>x</li>\n<li>y</li>\n</ol>');
  });

  it("renders fenced code with a language, indented code, quotes, rules and hard breaks", () => {
    assert.equal(renderMarkdown("```python\nx = 1\n```"), '<pre><code class="language-python">x = 1</code></pre>');
    assert.equal(renderMarkdown("    code\n    more"), "<pre><code>code\nmore</code></pre>");
    assert.equal(renderMarkdown("> quoted"), "<blockquote>\n<p>quoted</p>\n</blockquote>");
    assert.equal(renderMarkdown("a\n\n---\n\nb"), "<p>a</p>\n<hr>\n<p>b</p>");
    assert.equal(renderMarkdown("one  \ntwo"), "<p>one<br>\ntwo</p>");
  });

  it("copes with empty and odd input", () => {
    assert.equal(renderMarkdown(""), "");
    assert.equal(renderMarkdown(null), "");
    assert.equal(renderMarkdown("```\nunclosed"), "<pre><code>unclosed</code></pre>");
    assert.equal(renderMarkdown("a\u0000b"), "<p>a\ufffdb</p>");
  });
});

describe("tables", () => {
  it("renders a pipe table with alignment and inline markup", () => {
    const html = renderMarkdown("| City | Temp. |\n|:---|---:|\n| **Oslo** | 6.3 °C |\n| Lima | 19 |");
    assert.equal(html, [
      "<table>",
      "<thead>",
      '<tr><th style="text-align: left">City</th><th style="text-align: right">Temp.</th></tr>',
      "</thead>",
      "<tbody>",
      '<tr><td style="text-align: left"><strong>Oslo</strong></td><td style="text-align: right">6.3 °C</td></tr>',
      '<tr><td style="text-align: left">Lima</td><td style="text-align: right">19</td></tr>',
      "</tbody>",
      "</table>",
    ].join("\n"));
  });

  it("pads short rows, drops extra cells, keeps escaped pipes and escapes HTML", () => {
    const html = renderMarkdown("a | b\n--- | ---\n1\n2 | x \\| y | extra\n<i> | c");
    assert.ok(html.includes("<tr><td>1</td><td></td></tr>"), html);
    assert.ok(html.includes("<tr><td>2</td><td>x | y</td></tr>"), html);
    assert.ok(html.includes("<td>&lt;i&gt;</td>"), html);
  });

  it("ends at a blank line and needs a matching delimiter row", () => {
    assert.equal(renderMarkdown("| a |\n|---|\n| 1 |\n\nafter"),
      "<table>\n<thead>\n<tr><th>a</th></tr>\n</thead>\n<tbody>\n<tr><td>1</td></tr>\n</tbody>\n</table>\n<p>after</p>");
    assert.equal(renderMarkdown("| a | b |\n|---|\n"), "<p>| a | b |\n|---|</p>");
    assert.equal(renderMarkdown("a | b\n\n---"), "<p>a | b</p>\n<hr>");
  });
});
