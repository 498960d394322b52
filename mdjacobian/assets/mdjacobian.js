/* mdjacobian: a button under every block that copies the result's TeX, and TeX for copied maths.
   No library, no network; it works from a file:// page as from a server. */
(function () {
  "use strict";

  var LABEL = "Copy TeX";
  var ICON =
    '<svg viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">' +
    '<rect x="5.5" y="5.5" width="8" height="9" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.4"/>' +
    '<path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v8a1 1 0 0 0 1 1h1" fill="none" stroke="currentColor" stroke-width="1.4"/>' +
    "</svg>";

  /* Put text on the clipboard: the Clipboard API where the page may use it, else a hidden textarea. */
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = false;
      try {
        done = document.execCommand("copy");
      } catch (error) {
        done = false;
      }
      document.body.removeChild(area);
      if (done) resolve();
      else reject(new Error("the browser refused to copy"));
    });
  }

  function addButton(maths) {
    var block = maths.parentNode;
    var caption = block.querySelector(":scope > .jacobian-shape");
    if (!caption || caption.querySelector(".jacobian-copy")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "jacobian-copy";
    button.title = LABEL;
    button.setAttribute("aria-label", LABEL);
    button.innerHTML = ICON;
    var status = document.createElement("span");
    status.className = "jacobian-copy-status";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      copy(maths.getAttribute("data-tex")).then(
        function () { say(button, status, "TeX copied", "jacobian-copied"); },
        function () { say(button, status, "Copying failed", "jacobian-copy-failed"); }
      );
    });
    caption.appendChild(document.createTextNode(" "));
    caption.appendChild(button);
    caption.appendChild(status);
  }

  function say(button, status, message, state) {
    status.textContent = message;
    button.classList.add(state);
    window.setTimeout(function () {
      status.textContent = "";
      button.classList.remove(state);
    }, 2000);
  }

  function addButtons(root) {
    var found = (root || document).querySelectorAll(".jacobian > .jacobian-maths[data-tex]");
    for (var i = 0; i < found.length; i++) addButton(found[i]);
  }

  /* Copying a selection that holds maths gives the TeX of each formula instead of its characters:
     a block's, whole, from its data-tex; any other formula's from its annotation. Within one formula
     the TeX comes bare; among text, each formula is written $…$ (in a line) or $$…$$ (displayed). */
  function tex(math) {
    var note = math.querySelector('annotation[encoding="application/x-tex"]');
    return (note ? note.textContent : math.textContent).replace(/^\{\}/, "").trim();
  }

  function enclosing(node, selector) {
    var element = node.nodeType === 1 ? node : node.parentElement;
    return element ? element.closest(selector) : null;
  }

  var BLOCKS = /^(block|flex|grid|list-item|table|table-row)$/;

  function selectedText(range) {
    var out = [];
    var root = range.commonAncestorContainer;
    var walker = document.createTreeWalker(root.nodeType === 1 ? root : root.parentNode, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    var node = walker.currentNode;
    while (node) {
      var skip = false;
      if (!range.intersectsNode(node)) {
        skip = true;
      } else if (node.nodeType === 3) {
        if (!enclosing(node, "math")) {
          var start = node === range.startContainer ? range.startOffset : 0;
          var end = node === range.endContainer ? range.endOffset : node.nodeValue.length;
          out.push(node.nodeValue.slice(start, end).replace(/\s+/g, " "));
        }
      } else if (node.classList.contains("jacobian-maths")) {
        out.push({display: node.getAttribute("data-tex")});
        skip = true;
      } else if (node.localName === "math") {
        var inBlock = enclosing(node, ".jacobian-maths");
        if (!inBlock) out.push(node.getAttribute("display") === "block" ? {display: tex(node)} : {inline: tex(node)});
        skip = true;
      } else if (node.localName === "button" || node.classList.contains("jacobian-copy-status")) {
        skip = true;
      } else if (node.localName === "br") {
        out.push("\n");
      } else if (BLOCKS.test(getComputedStyle(node).display)) {
        out.push("\n");
      }
      node = skip ? nextSkipping(walker) : walker.nextNode();
    }
    return out;
  }

  function nextSkipping(walker) {
    var node = walker.nextSibling();
    while (!node && walker.parentNode()) node = walker.nextSibling();
    return node;
  }

  function join(parts) {
    var formulas = parts.filter(function (p) { return typeof p !== "string"; });
    var words = parts.filter(function (p) { return typeof p === "string" && p.trim(); });
    if (formulas.length === 1 && !words.length) return formulas[0].display || formulas[0].inline;
    return parts
      .map(function (p) {
        if (typeof p === "string") return p;
        if (p.inline !== undefined) return "$" + p.inline + "$";
        return p.display.split("\n").map(function (line) { return "\n$$\n" + line + "\n$$\n"; }).join("");
      })
      .join("")
      .replace(/ *\n */g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  document.addEventListener("copy", function (event) {
    var selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount || !event.clipboardData) return;
    var range = selection.getRangeAt(0);
    var root = range.commonAncestorContainer;
    var element = root.nodeType === 1 ? root : root.parentElement;
    if (!element || (!enclosing(element, "math") && !element.querySelector("math"))) return;
    var block = enclosing(element, ".jacobian-maths");
    var math = enclosing(element, "math");
    var text;
    if (math) {
      text = tex(math);  // within one formula: its TeX, bare
    } else if (block) {
      text = block.getAttribute("data-tex");  // across the pieces of one block: the block's TeX
    } else {
      var parts = selectedText(range);
      if (!parts.some(function (p) { return typeof p !== "string"; })) return;
      text = join(parts);
    }
    event.clipboardData.setData("text/plain", text);
    event.preventDefault();
  });

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { addButtons(document); });  // Material's instant loading
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { addButtons(document); });
  } else {
    addButtons(document);
  }
})();
