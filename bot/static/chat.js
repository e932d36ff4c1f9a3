// The motcua web chat page: sends messages to /webchat/api/messages, shows the replies.
// Replies are already escaped by the server; they are sanitised again here (only <b>, <i>, <a href>).
(function () {
  "use strict";

  var TEXTS = {
    vi: {
      // The language button's name starts with its visible text (EN/VI): what a voice-control user says.
      title: "Trợ lý thủ tục hành chính", langButton: "EN", langLabel: "EN: Chuyển sang tiếng Anh",
      logLabel: "Cuộc trò chuyện", inputLabel: "Câu hỏi của bạn", send: "Gửi",
      placeholder: "Ví dụ: làm căn cước cần gì", thinking: "Đang trả lời…",
      failed: "Không gửi được tin nhắn. Vui lòng thử lại.", opensNew: "(mở trang mới)"
    },
    en: {
      title: "Administrative procedures assistant", langButton: "VI", langLabel: "VI: Switch to Vietnamese",
      logLabel: "Conversation", inputLabel: "Your question", send: "Send",
      placeholder: "Ask about a procedure", thinking: "Answering…",
      failed: "Could not send the message. Please try again.", opensNew: "(opens a new page)"
    }
  };
  var STORE = "motcua.webchat.";

  function storage(key, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(STORE + key);
      window.localStorage.setItem(STORE + key, value);
    } catch (e) { /* storage blocked (private mode, third-party iframe): keep it in memory */ }
    return value === undefined ? null : value;
  }

  function newSession() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var session = storage("session") || storage("session", newSession());
  var locale = storage("locale") === "en" ? "en" : "vi";
  var log, form, input, sendButton, status, langButton;
  var busy = false;

  // --- sanitising: only <b>, <i>, <a href="http(s)|mailto|tel"> survive; everything else is text.
  function sanitise(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    var out = document.createDocumentFragment();
    copy(doc.body, out);
    return out;
  }

  function copy(from, to) {
    for (var node = from.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE) {
        to.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        var tag = node.tagName.toLowerCase();
        if (tag === "b" || tag === "strong" || tag === "i" || tag === "em") {
          var el = document.createElement(tag);
          copy(node, el);
          to.appendChild(el);
        } else if (tag === "a" && safeUrl(node.getAttribute("href"))) {
          to.appendChild(link(node.getAttribute("href"), node.textContent));
        } else if (tag === "br") {
          to.appendChild(document.createTextNode("\n"));
        } else {
          copy(node, to); // unknown tag: keep its text only
        }
      }
    }
  }

  function safeUrl(url) {
    return typeof url === "string" && /^(https?:|mailto:|tel:)/i.test(url.trim());
  }

  function link(url, text) {
    var a = document.createElement("a");
    a.href = url.trim();
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = text;
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = " " + TEXTS[locale].opensNew;
    a.appendChild(hint);
    return a;
  }

  // --- the conversation
  function bubble(who, content) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    if (typeof content === "string") div.textContent = content; else div.appendChild(content);
    log.appendChild(div);
    // A long answer is read from its first line: bring its top into view, not the bottom. Only the
    // list scrolls (scrollIntoView would scroll the page too, taking the header off a phone's screen).
    if (who === "bot" && div.offsetHeight > log.clientHeight) log.scrollTop = Math.max(0, div.offsetTop - 8);
    else log.scrollTop = log.scrollHeight;
    return div;
  }

  function showReply(reply) {
    var div = bubble("bot", sanitise(reply.html || ""));
    div.setAttribute("data-kind", reply.kind || "answer");
    var buttons = reply.buttons || [];
    if (!buttons.length) return;
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      if (b.url) {
        if (!safeUrl(b.url)) return;
        var a = link(b.url, b.title);
        row.appendChild(a);
      } else if (b.payload) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send({ payload: b.payload }, b.title); });
        row.appendChild(button);
      }
    });
    div.appendChild(row);
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
    status.textContent = value ? TEXTS[locale].thinking : "";
  }

  // Each message carries its own id: the server stores it before answering and keeps the answer,
  // so sending it again (the connection dropped, the server restarted) gets the same answer once.
  function post(message, attempt) {
    return fetch("/webchat/api/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(message),
      credentials: "omit"
    }).then(function (response) {
      if ((response.status === 409 || response.status >= 502) && attempt < 4) throw { retry: true };
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).catch(function (error) {
      if (attempt >= 4 || (error && error.retry === undefined && error.name !== "TypeError")) throw error;
      return new Promise(function (resolve) { setTimeout(resolve, 1000 * (attempt + 1)); })
        .then(function () { return post(message, attempt + 1); });
    });
  }

  function send(message, shown) {
    if (busy) return;
    if (shown) bubble("me", shown);
    setBusy(true);
    message.session = session;
    message.locale = locale;
    message.id = newSession().slice(0, 24);
    post(message, 0).then(function (result) {
      if (!result.ok) throw new Error(result.body && result.body.error || "HTTP error");
      (result.body.replies || []).forEach(showReply);
    }).catch(function (error) {
      var div = bubble("bot", (error && error.message && error.message.indexOf(" / ") > 0) ? error.message : TEXTS[locale].failed);
      div.classList.add("error");
    }).then(function () {
      setBusy(false);
    });
  }

  function applyLocale() {
    var t = TEXTS[locale];
    document.documentElement.lang = locale;
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = t[el.getAttribute("data-i18n")]; });
    document.querySelectorAll("[data-i18n-label]").forEach(function (el) { el.setAttribute("aria-label", t[el.getAttribute("data-i18n-label")]); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) { el.placeholder = t[el.getAttribute("data-i18n-placeholder")]; });
    langButton.setAttribute("aria-pressed", locale === "en" ? "true" : "false");
    document.title = t.title;
  }

  document.addEventListener("DOMContentLoaded", function () {
    log = document.getElementById("log");
    form = document.getElementById("form");
    input = document.getElementById("text");
    sendButton = document.getElementById("send");
    status = document.getElementById("status");
    langButton = document.getElementById("lang");
    applyLocale();

    langButton.addEventListener("click", function () {
      locale = locale === "en" ? "vi" : "en";
      storage("locale", locale);
      applyLocale();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text || busy) return;
      input.value = "";
      send({ text: text }, text);
      input.focus();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
    send({ text: "/start" }); // the welcome, without showing "/start"
    input.focus();
  });
})();
