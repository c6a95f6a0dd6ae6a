// The sandbox chat page: personas chat with the bot in panes; the server's event stream keeps every pane current.
"use strict";

const API = "/sandbox/api";
const TELEGRAM_HOSTS = ["t.me", "www.t.me", "telegram.me", "www.telegram.me"];
// Links made by createInvoiceLink: paid in the page through the control API, as Telegram's payment sheet would.
const INVOICE_PREFIX = "https://t.me/$";
const state = {
  bot: null,
  personas: new Map(), // id -> persona
  groups: new Map(), // id -> chat
  panes: new Map(), // chat id -> pane
};

async function api(method, path, body) {
  const response = await fetch(API + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.description || `HTTP ${response.status}`);
  return data;
}

// A successful payment is a service message in Telegram: shown here as a line of text.
function paymentText(message) {
  const { total_amount: amount, currency } = message.successful_payment;
  return `💳 Paid ${amount} ${currency} (smallest units)`;
}

// Languages written right to left: a persona speaking one types from the right. Each message's own text sets its
// direction (dir="auto", as Telegram does), so an Arabic reply reads right to left and a product code stays put.
const RIGHT_TO_LEFT = ["ar", "fa", "he", "ur"];

function rightToLeft(languageCode) {
  return RIGHT_TO_LEFT.includes((languageCode || "").toLowerCase().split(/[-_]/)[0]);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showAlert(text) {
  document.getElementById("alert-text").textContent = text;
  document.getElementById("alert-dialog").showModal();
}

// -- deep links to the bot ----------------------------------------------------------------------------------

// A link to this bot, https://t.me/<bot>?start=<payload> or tg://resolve?domain=<bot>&start=<payload>: null for any
// other link, else {start} (null when the link has no start parameter).
function botLink(href) {
  if (!state.bot || !href) return null;
  let url;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  let username;
  if ((url.protocol === "https:" || url.protocol === "http:") && TELEGRAM_HOSTS.includes(url.hostname)) {
    username = url.pathname.split("/")[1] || "";
  } else if (url.protocol === "tg:" && (url.hostname || url.pathname.replace(/^\/+/, "")) === "resolve") {
    username = url.searchParams.get("domain") || "";
  } else {
    return null;
  }
  if (username.toLowerCase() !== state.bot.username.toLowerCase()) return null;
  return { start: url.searchParams.get("start") };
}

// -- sidebar ------------------------------------------------------------------------------------------------

// The persona language picker: every Telegram language, and (when the sandbox knows the shop's languages) which of
// them the shop speaks. A persona may still pick one it does not speak, as real users do.
async function drawLanguagePicker() {
  const { shop, languages } = await api("GET", "/languages");
  const select = document.querySelector("#new-persona [name=language_code]");
  const option = (language, note) => {
    const node = element("option", "", `${language.name} (${language.code})${note}`);
    node.value = language.code;
    node.defaultSelected = shop ? language.code === shop.default : language.code === "en";
    return node;
  };
  if (!shop) {
    select.replaceChildren(...languages.map((language) => option(language, "")));
    return;
  }
  const spoken = element("optgroup");
  spoken.label = "The shop speaks";
  const other = element("optgroup");
  other.label = `The shop does not speak (it answers in ${shop.default_name})`;
  for (const language of languages) {
    if (!language.shop_language) {
      other.append(option(language, ""));
    } else {
      const answered = language.shop_language === language.code ? "" : ` · answered in ${language.shop_language}`;
      spoken.append(option(language, answered));
    }
  }
  select.replaceChildren(spoken, other);
}

function personaLabel(persona) {
  const country = persona.country ? ` · ${persona.country}` : "";
  return `${persona.first_name} (${persona.language_code || "?"}${country})`;
}

function drawSidebar() {
  const personas = document.getElementById("personas");
  personas.replaceChildren();
  for (const persona of state.personas.values()) {
    const item = element("li");
    const button = element("button", "link", personaLabel(persona));
    button.type = "button";
    button.dataset.personaId = persona.id;
    button.addEventListener("click", () => openPane(persona.id));
    item.append(button);
    if (persona.is_blocking_bot) item.append(element("span", "badge", "blocked"));
    personas.append(item);
  }
  const groups = document.getElementById("groups");
  groups.replaceChildren();
  for (const group of state.groups.values()) {
    const item = element("li");
    const button = element("button", "link", `# ${group.title}${group.username ? ` (@${group.username})` : ""}`);
    button.type = "button";
    button.addEventListener("click", () => openPane(group.id));
    item.append(button);
    groups.append(item);
  }
  for (const pane of state.panes.values()) pane.refresh();
}

// -- panes --------------------------------------------------------------------------------------------------

class Pane {
  constructor(chatId) {
    this.chatId = chatId;
    this.isGroup = chatId < 0;
    this.messages = new Map(); // message id -> <li>
    this.root = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
    this.root.dataset.chatId = chatId;
    this.list = this.root.querySelector(".messages");
    this.pinnedBar = this.root.querySelector(".pinned");
    this.pinnedId = null;
    this.pinnedBar.addEventListener("click", () => {
      const item = this.pinnedId && this.messages.get(this.pinnedId);
      if (item) item.scrollIntoView({ block: "center", behavior: "smooth" });
    });
    this.toasts = this.root.querySelector(".toasts");
    this.sender = this.root.querySelector(".sender");
    this.sender.addEventListener("change", () => this.refresh());
    this.input = this.root.querySelector(".text");
    this.menu = this.root.querySelector(".command-menu");
    this.menuButton = this.root.querySelector(".menu-button");
    this.menuButton.addEventListener("click", () => this.toggleMenu());
    this.list.addEventListener("click", (event) => {
      const link = event.target.closest("a[href]");
      const target = link && botLink(link.href);
      if (!target) return;
      event.preventDefault();
      this.followBotLink(target);
    });
    this.root.querySelector(".close").addEventListener("click", () => this.close());
    this.root.querySelector(".block-toggle").addEventListener("click", () => this.toggleBlock());
    this.root.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.refresh();
  }

  get persona() {
    return state.personas.get(this.isGroup ? Number(this.sender.value) : this.chatId);
  }

  refresh() {
    const title = this.root.querySelector(".pane-title");
    const subtitle = this.root.querySelector(".pane-subtitle");
    const block = this.root.querySelector(".block-toggle");
    if (this.isGroup) {
      const group = state.groups.get(this.chatId);
      title.textContent = `# ${group ? group.title : this.chatId}`;
      const username = group && group.username ? `@${group.username} · ` : "";
      subtitle.textContent = `${username}supergroup · the bot reads every comment`;
      block.hidden = true;
      this.menuButton.hidden = true;
      const chosen = this.sender.value;
      this.sender.hidden = false;
      this.sender.replaceChildren(
        ...[...state.personas.values()].map((persona) => {
          const option = element("option", "", `as ${persona.first_name}`);
          option.value = persona.id;
          return option;
        }),
      );
      if (chosen) this.sender.value = chosen;
      this.input.placeholder = state.personas.size ? "Comment on the live stream" : "Create a persona first";
      this.input.dir = rightToLeft(this.persona?.language_code) ? "rtl" : "auto";
    } else {
      const persona = state.personas.get(this.chatId);
      if (!persona) return;
      this.root.lang = persona.language_code || "";
      this.input.dir = rightToLeft(persona.language_code) ? "rtl" : "auto";
      title.textContent = persona.first_name;
      const country = persona.country ? ` · ${persona.country}` : "";
      subtitle.textContent = `Telegram language ${persona.language_code || "not set"}${country}`;
      block.textContent = persona.is_blocking_bot ? "Unblock bot" : "Block bot";
      this.root.classList.toggle("blocking", persona.is_blocking_bot);
    }
  }

  async load() {
    const transcript = await api("GET", `/chats/${this.chatId}/transcript`);
    for (const message of transcript.messages) this.upsert(message);
    this.showPinned(transcript.pinned || []);
  }

  // As Telegram does: the latest pinned message shows in a bar on top; a tap there scrolls to it.
  showPinned(pinned) {
    const previous = this.pinnedId && this.messages.get(this.pinnedId);
    if (previous) previous.classList.remove("is-pinned");
    this.pinnedId = pinned.length ? pinned[pinned.length - 1] : null;
    const item = this.pinnedId && this.messages.get(this.pinnedId);
    this.pinnedBar.hidden = !item;
    if (!item) return;
    item.classList.add("is-pinned");
    const body = item.querySelector(".body");
    this.pinnedBar.textContent = `📌 ${(body ? body.textContent : "").split("\n")[0]}`;
  }

  // As Telegram's menu button does: the commands the bot set for this person's chat (their role's menu, in their app's
  // language), asked afresh on each opening; a tap sends one.
  async toggleMenu() {
    const persona = this.persona;
    if (!this.menu.hidden || !persona) {
      this.menu.hidden = true;
      return;
    }
    let commands;
    try {
      commands = await api("GET", `/personas/${persona.id}/commands`);
    } catch (error) {
      this.note(`No menu: ${error.message}`);
      return;
    }
    this.menu.replaceChildren(
      ...commands.map((command) => {
        const item = element("li");
        const choose = element("button", "command");
        choose.type = "button";
        choose.dir = "auto";
        choose.append(element("strong", "", `/${command.command}`), element("span", "muted", ` ${command.description}`));
        choose.addEventListener("click", () => {
          this.menu.hidden = true;
          this.input.value = `/${command.command}`;
          this.send();
        });
        item.append(choose);
        return item;
      }),
    );
    if (!commands.length) this.menu.append(element("li", "muted", "The bot set no commands for this chat."));
    this.menu.hidden = false;
  }

  async send() {
    const text = this.input.value;
    const persona = this.persona;
    if (!text.trim() || !persona) return;
    this.input.value = "";
    try {
      await api("POST", `/personas/${persona.id}/messages`, { text, chat_id: this.chatId });
    } catch (error) {
      this.note(`Not sent: ${error.message}`);
      this.input.value = text;
    }
  }

  // Tap the button at (row, column): labels repeat (every cart row has its +, - and bin), positions do not.
  // As Telegram's payment sheet does: the bot answers a pre-checkout query first; only then is the payment made.
  async payInvoice(button) {
    const persona = this.persona;
    if (!persona || !window.confirm(`${button.text}?`)) return;
    try {
      const paid = await api("POST", `/personas/${persona.id}/pay`, { link: button.url });
      if (!paid.ok) showAlert(paid.error_message);
    } catch (error) {
      this.note(`Not paid: ${error.message}`);
    }
  }

  async press(message, row, column) {
    const persona = this.persona;
    if (!persona) return;
    try {
      await api("POST", `/personas/${persona.id}/press`, {
        chat_id: this.chatId,
        message_id: message.message_id,
        row,
        column,
      });
    } catch (error) {
      this.note(`Button not pressed: ${error.message}`);
    }
  }

  // As Telegram does: a link to the bot opens this persona's private chat with it, and a start payload is sent as
  // "/start <payload>".
  async followBotLink(target) {
    const persona = this.persona;
    if (!persona) return;
    const pane = await openPane(persona.id);
    if (target.start === null) return;
    const text = target.start ? `/start ${target.start}` : "/start";
    try {
      await api("POST", `/personas/${persona.id}/messages`, { text });
    } catch (error) {
      pane.note(`Not sent: ${error.message}`);
    }
  }

  async toggleBlock() {
    const persona = state.personas.get(this.chatId);
    await api("POST", `/personas/${persona.id}/${persona.is_blocking_bot ? "unblock" : "block"}`);
  }

  close() {
    state.panes.delete(this.chatId);
    this.root.remove();
    document.getElementById("empty-hint").hidden = state.panes.size > 0;
  }

  note(text) {
    this.list.append(element("li", "note", text));
    this.scrollToEnd();
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  toast(answer) {
    if (!answer.text) return;
    if (answer.show_alert) {
      showAlert(answer.text);
      return;
    }
    const toast = element("div", "toast", answer.text);
    this.toasts.append(toast);
    setTimeout(() => toast.remove(), 4000);
  }

  upsert(message) {
    const old = this.messages.get(message.message_id);
    const item = this.draw(message);
    if (message.message_id === this.pinnedId) item.classList.add("is-pinned");
    if (old) {
      old.replaceWith(item);
    } else {
      this.list.append(item);
      this.scrollToEnd();
    }
    this.messages.set(message.message_id, item);
  }

  remove(messageId) {
    const item = this.messages.get(messageId);
    if (item) {
      item.classList.add("deleted");
      item.replaceChildren(element("em", "muted", "message deleted"));
    }
  }

  draw(message) {
    const mine = !message.from_bot;
    const item = element("li", `message ${mine ? "outgoing" : "incoming"}`);
    item.dataset.messageId = message.message_id;
    if (message.deleted) {
      item.classList.add("deleted");
      item.append(element("em", "muted", "message deleted"));
      return item;
    }
    if (this.isGroup || !mine) item.append(element("div", "sender-name", message.sender.first_name));
    if (message.reply_to_message_id) {
      const quoted = this.messages.get(message.reply_to_message_id);
      const quote = element("div", "reply-quote", quoted ? quoted.querySelector(".body")?.textContent || "…" : "…");
      quote.dir = "auto";
      item.append(quote);
    }
    if (message.photo) {
      const image = element("img", "photo");
      image.src = message.photo.url;
      image.alt = "photo";
      image.addEventListener("load", () => {
        if (item === this.list.lastElementChild) this.scrollToEnd();
      });
      item.append(image);
    }
    if (message.document) {
      const link = element("a", "document", `⬇ ${message.document.file_name || "document"}`);
      link.href = message.document.url;
      link.download = message.document.file_name || "";
      item.append(link);
    }
    const text = message.text ?? message.caption ?? (message.successful_payment && paymentText(message));
    if (text) {
      const body = element("div", "body");
      body.dir = "auto";
      body.append(window.renderFormatted(text, message.from_bot ? message.parse_mode : null));
      item.append(body);
    }
    const meta = element("div", "meta", new Date(message.date * 1000).toLocaleTimeString([], { timeStyle: "short" }));
    if (message.edited) meta.prepend(element("span", "edited", "edited "));
    item.append(meta);
    const keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
    if (keyboard && keyboard.length) item.append(this.drawKeyboard(message, keyboard));
    return item;
  }

  drawKeyboard(message, keyboard) {
    const grid = element("div", "keyboard");
    for (const [rowIndex, row] of keyboard.entries()) {
      const line = element("div", "keyboard-row");
      for (const [column, button] of row.entries()) {
        if (button.url && button.url.startsWith(INVOICE_PREFIX)) {
          // A Telegram invoice: Telegram's payment sheet, reduced to one confirmation.
          const pay = element("button", "button url-button", button.text);
          pay.type = "button";
          pay.title = `Pays the invoice ${button.url}`;
          pay.addEventListener("click", () => this.payInvoice(button));
          line.append(pay);
        } else if (button.url) {
          const link = element("a", "button url-button", button.text);
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          link.title = `Opens ${button.url}`;
          line.append(link);
        } else {
          const press = element("button", "button", button.text);
          press.type = "button";
          press.disabled = button.callback_data === undefined;
          press.addEventListener("click", () => this.press(message, rowIndex, column));
          line.append(press);
        }
      }
      for (const button of line.children) button.dir = "auto";
      grid.append(line);
    }
    return grid;
  }
}

async function openPane(chatId) {
  let pane = state.panes.get(chatId);
  if (!pane) {
    pane = new Pane(chatId);
    state.panes.set(chatId, pane);
    document.getElementById("panes").append(pane.root);
    document.getElementById("empty-hint").hidden = true;
    await pane.load();
  }
  pane.input.focus({ preventScroll: true });
  return pane;
}

// -- the event stream ---------------------------------------------------------------------------------------

function onEvent(type, event) {
  if (type === "message" || type === "edit") {
    const pane = state.panes.get(event.message.chat_id);
    if (pane) pane.upsert(event.message);
  } else if (type === "pinned") {
    const pane = state.panes.get(event.chat_id);
    if (pane) pane.showPinned(event.pinned);
  } else if (type === "delete") {
    const pane = state.panes.get(event.chat_id);
    if (pane) pane.remove(event.message_id);
  } else if (type === "callback_answer") {
    const answer = event.answer;
    const pane = state.panes.get(answer.chat_id) || state.panes.get(answer.persona_id);
    if (pane) pane.toast(answer);
  } else if (type === "persona") {
    state.personas.set(event.persona.id, event.persona);
    drawSidebar();
  } else if (type === "group") {
    state.groups.set(event.chat.id, event.chat);
    drawSidebar();
  } else if (type === "refusal" && event.chat_id !== null) {
    const pane = state.panes.get(event.chat_id);
    if (pane) pane.note(`The bot's ${event.method} was refused: ${event.description}`);
  }
}

function listen() {
  const stream = new EventSource(`${API}/events`);
  stream.addEventListener("hello", (message) => {
    const hello = JSON.parse(message.data);
    state.bot = hello.bot;
    document.getElementById("bot-name").textContent = `bot: @${hello.bot.username}`;
  });
  for (const type of ["message", "edit", "delete", "pinned", "callback_answer", "persona", "group", "refusal"]) {
    stream.addEventListener(type, (message) => onEvent(type, JSON.parse(message.data)));
  }
  stream.addEventListener("error", () => {
    document.getElementById("bot-name").textContent = "reconnecting…";
  });
}

// The forms are wired before anything is fetched: a form submitted while the page still loads its lists would
// otherwise be sent by the browser itself, reloading the page and losing what was typed.
async function start() {
  document.getElementById("new-persona").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = Object.fromEntries(new FormData(form));
    body.country = (body.country || "").toUpperCase();
    form.reset(); // at once, so the next persona can be typed while this one is created
    try {
      const persona = await api("POST", "/personas", body);
      state.personas.set(persona.id, persona);
      drawSidebar();
      await openPane(persona.id);
    } catch (error) {
      showAlert(error.message);
    }
  });
  document.getElementById("new-group").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const title = form.elements.title.value;
    form.reset();
    try {
      const group = await api("POST", "/groups", { title });
      state.groups.set(group.id, group);
      drawSidebar();
      await openPane(group.id);
    } catch (error) {
      showAlert(error.message);
    }
  });
  listen();
  await drawLanguagePicker();
  for (const persona of await api("GET", "/personas")) state.personas.set(persona.id, persona);
  for (const group of await api("GET", "/groups")) state.groups.set(group.id, group);
  drawSidebar();
}

start();
