// Draw a bot message's text the way Telegram does: its HTML subset or MarkdownV2, never raw markup.
// Everything is built with DOM calls; text never reaches innerHTML.
"use strict";

const TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", a: "a", "tg-spoiler": "tg-spoiler", blockquote: "blockquote",
};
const SAFE_URL = /^(https?:|tg:|mailto:)/i;

function safeLink(href, children) {
  const a = document.createElement("a");
  if (href && SAFE_URL.test(href.trim())) {
    a.href = href.trim();
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.classList.add("external");
  }
  for (const child of children) a.append(child);
  return a;
}

function spoiler(children) {
  const span = document.createElement("span");
  span.className = "spoiler";
  span.title = "Spoiler: click to reveal";
  span.addEventListener("click", () => span.classList.add("revealed"));
  for (const child of children) span.append(child);
  return span;
}

// Telegram HTML: copy allowed elements, keep only the text of anything else.
function renderHtml(source) {
  const doc = new DOMParser().parseFromString(`<body>${source}</body>`, "text/html");
  const fragment = document.createDocumentFragment();
  const copy = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return [document.createTextNode(node.textContent)];
    if (node.nodeType !== Node.ELEMENT_NODE) return [];
    const children = [...node.childNodes].flatMap(copy);
    const name = node.tagName.toLowerCase();
    const isSpoilerSpan = name === "span" && node.classList.contains("tg-spoiler");
    if (name === "tg-spoiler" || isSpoilerSpan) return [spoiler(children)];
    if (name === "a") return [safeLink(node.getAttribute("href"), children)];
    if (name === "br") return [document.createTextNode("\n")];
    const tag = TAGS[name];
    if (!tag) return children;
    const element = document.createElement(tag);
    for (const child of children) element.append(child);
    return [element];
  };
  for (const node of doc.body.childNodes) for (const part of copy(node)) fragment.append(part);
  return fragment;
}

// MarkdownV2: *bold* _italic_ __underline__ ~strike~ ||spoiler|| `code` ```pre``` [text](url), \ escapes.
function renderMarkdownV2(source) {
  let index = 0;
  const parse = (closing) => {
    const nodes = [];
    let text = "";
    const flush = () => {
      if (text) nodes.push(document.createTextNode(text));
      text = "";
    };
    while (index < source.length) {
      if (closing && source.startsWith(closing, index)) {
        index += closing.length;
        flush();
        return nodes;
      }
      const char = source[index];
      if (char === "\\" && index + 1 < source.length) {
        text += source[index + 1];
        index += 2;
        continue;
      }
      if (source.startsWith("```", index)) {
        const end = source.indexOf("```", index + 3);
        if (end === -1) { text += source.slice(index); index = source.length; break; }
        flush();
        let body = source.slice(index + 3, end);
        const newline = body.indexOf("\n");
        if (newline !== -1 && /^[\w+-]*$/.test(body.slice(0, newline))) body = body.slice(newline + 1);
        const pre = document.createElement("pre");
        pre.textContent = body.replace(/\\(.)/g, "$1");
        nodes.push(pre);
        index = end + 3;
        continue;
      }
      if (char === "`") {
        const end = source.indexOf("`", index + 1);
        if (end === -1) { text += char; index += 1; continue; }
        flush();
        const code = document.createElement("code");
        code.textContent = source.slice(index + 1, end).replace(/\\(.)/g, "$1");
        nodes.push(code);
        index = end + 1;
        continue;
      }
      if (char === "[") {
        index += 1;
        flush();
        const label = parse("]");
        const match = source.slice(index).match(/^\(((?:\\.|[^)\\])*)\)/);
        if (match) {
          index += match[0].length;
          nodes.push(safeLink(match[1].replace(/\\(.)/g, "$1"), label));
        } else {
          nodes.push(document.createTextNode("["), ...label);
        }
        continue;
      }
      const markers = [["||", null], ["__", "u"], ["*", "b"], ["_", "i"], ["~", "s"]];
      const marker = markers.find(([mark]) => source.startsWith(mark, index));
      if (marker) {
        const [mark, tag] = marker;
        index += mark.length;
        flush();
        const children = parse(mark);
        if (tag === null) {
          nodes.push(spoiler(children));
        } else {
          const element = document.createElement(tag);
          for (const child of children) element.append(child);
          nodes.push(element);
        }
        continue;
      }
      text += char;
      index += 1;
    }
    flush();
    return nodes;
  };
  const fragment = document.createDocumentFragment();
  for (const node of parse(null)) fragment.append(node);
  return fragment;
}

function renderFormatted(text, parseMode) {
  const mode = (parseMode || "").toLowerCase();
  if (mode === "html") return renderHtml(text);
  if (mode === "markdownv2") return renderMarkdownV2(text);
  return document.createTextNode(text);
}

window.renderFormatted = renderFormatted;
