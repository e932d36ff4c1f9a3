// Embed the motcua web chat in any page with one tag:
//   <script src="https://YOUR-MOTCUA-HOST/embed.js" defer></script>
// It adds a floating chat button that opens the chat page in an iframe.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__motcuaEmbedded) return;
  window.__motcuaEmbedded = true;
  var origin = new URL(script.src, window.location.href).origin;
  var vi = (document.documentElement.lang || "vi").slice(0, 2) !== "en";
  var labels = vi ? { open: "Mở trợ lý thủ tục hành chính", close: "Đóng trợ lý", title: "Trợ lý thủ tục hành chính" }
                  : { open: "Open the procedures assistant", close: "Close the assistant", title: "Administrative procedures assistant" };

  function start() {
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", labels.open);
    button.setAttribute("aria-expanded", "false");
    button.textContent = "💬";
    button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483000;width:3.5rem;height:3.5rem;" +
      "border-radius:50%;border:0;background:#b3261e;color:#fff;font-size:1.6rem;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)";

    var frame = document.createElement("iframe");
    frame.title = labels.title;
    frame.hidden = true;  // loaded on first open: a page view must not start a conversation
    frame.style.cssText = "position:fixed;right:1rem;bottom:5.5rem;z-index:2147483000;width:min(26rem,calc(100vw - 2rem));" +
      "height:min(40rem,calc(100vh - 7rem));border:1px solid #ccc;border-radius:.8rem;background:#fff;box-shadow:0 4px 16px rgba(0,0,0,.25)";

    function toggle(open) {
      if (open && !frame.src) frame.src = origin + "/?embed=1";
      frame.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.setAttribute("aria-label", open ? labels.close : labels.open);
      button.textContent = open ? "✕" : "💬";
      if (open) frame.focus();
    }
    button.addEventListener("click", function () { toggle(frame.hidden); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !frame.hidden) { toggle(false); button.focus(); }
    });
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
