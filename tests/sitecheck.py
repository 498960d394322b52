"""Headless-Chromium check of a built MkDocs (Material) site that uses mdjacobian.

Usage:
    python tests/sitecheck.py SITE_DIR [--out DIR] [--require-font "Latin Modern Math"]
                    [--min-ratio 0.9] [--modes desktop,phone,desktop-dark,phone-dark]
                    [--chromium /usr/bin/chromium] [--allow-external] [--json FILE]

For every *.html page under SITE_DIR (served from 127.0.0.1 by http.server in a thread):
  * every `.jacobian` element contains a `math` element with a non-zero bounding box;
  * no `.jacobian-error` element is present;
  * every <mtable> inside a .jacobian that is flanked by <mo> fences ([ ] ( ) | ‖ { })
    has fences at least MIN_RATIO x the table height (i.e. the brackets stretched);
  * with --require-font NAME: that web font loaded (document.fonts) and Chromium really
    used it for the fences (CDP CSS.getPlatformFontsForNode);
  * no request left 127.0.0.1 (the site must be fully offline) unless --allow-external;
  * no uncaught JS errors.
Full-page PNGs for each mode go to --out (default ./shots). Exit status 1 on any failure.

From pytest:   from tests.sitecheck import check_site;  report = check_site(site_dir, out_dir)
               (raises AssertionError listing every failure; returns a dict otherwise).
Needs: pip install playwright  (NO `playwright install`; Debian's /usr/bin/chromium is used).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# Playwright's launch() already runs Chromium with a fresh temporary --user-data-dir.

MODES = {
    "desktop": dict(viewport={"width": 1280, "height": 800}, color_scheme="light"),
    "phone": dict(viewport={"width": 390, "height": 844}, color_scheme="light",
                  is_mobile=True, has_touch=True, device_scale_factor=2),
    "desktop-dark": dict(viewport={"width": 1280, "height": 800}, color_scheme="dark"),
    "phone-dark": dict(viewport={"width": 390, "height": 844}, color_scheme="dark",
                       is_mobile=True, has_touch=True, device_scale_factor=2),
    # The page as Chromium prints it on A4 (210 mm = 794 CSS px, no margins), under print media.
    "print": dict(viewport={"width": 794, "height": 1123}, color_scheme="light"),
}
PRINT_MODES = frozenset({"print"})

FENCES = "[](){}|‖⟨⟩⌈⌉⌊⌋"

# Runs in the page; returns everything the Python side asserts on.
MEASURE_JS = r"""(fences) => {
  // Blocks in inactive content tabs or closed <details> have no box until shown: show them all.
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const style = document.createElement('style');
  style.textContent = '.tabbed-block { display: block !important; }';
  document.head.appendChild(style);
  const box = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  const box0 = e => e.getBoundingClientRect();
  const isFence = e => e && e.localName === 'mo' && fences.includes(e.textContent.trim());
  const jac = [...document.querySelectorAll('.jacobian')].map((j, i) => {
    const math = j.querySelector('math');
    const tables = [...j.querySelectorAll('mtable')].map(t => {
      const rows = t.querySelectorAll(':scope > mtr').length;
      const cols = Math.max(0, ...[...t.querySelectorAll(':scope > mtr')].map(r => r.querySelectorAll(':scope > mtd').length));
      const p = t.previousElementSibling, n = t.nextElementSibling;
      return {rows, cols, table: box(t).h,
              open: isFence(p) ? {text: p.textContent.trim(), h: box(p).h} : null,
              close: isFence(n) ? {text: n.textContent.trim(), h: box(n).h} : null};
    });
    // The maths' box, and every piece of it (a <math> no line breaks inside): its width, how far in
    // from the box's left edge it starts, whether it holds a table (a matrix), and its TeX.
    const maths = j.querySelector('.jacobian-maths');
    const left = maths ? box0(maths).left - maths.scrollLeft : 0;
    const pieces = maths ? [...maths.querySelectorAll('math')].map(m => ({
      w: box(m).w, left: box0(m).left - left, table: !!m.querySelector('mtable'),
      tex: (m.querySelector('annotation') || m).textContent.slice(0, 80)})) : [];
    // Each equation's left side and first piece of its right side: where the "=" stands.
    const eqs = [...j.querySelectorAll('.jacobian-eq')].filter(e => e.querySelector('.jacobian-lhs')).map(e => {
      const lhs = e.querySelector('.jacobian-lhs'), rhs = e.querySelector('.jacobian-rhs math');
      const l = box0(lhs), r = rhs ? box0(rhs) : null;
      return {beside: !!r && (r.top + r.bottom) / 2 > l.top && (r.top + r.bottom) / 2 < l.bottom,
              equals: r ? r.left : null};
    });
    return {index: i, math: math ? box(math) : null, tables,
            color: math ? getComputedStyle(math).color : null,
            fontFamily: math ? getComputedStyle(math).fontFamily : null,
            fontSize: math ? parseFloat(getComputedStyle(math).fontSize) : null,
            textSize: parseFloat(getComputedStyle(j).fontSize),
            client: maths ? maths.clientWidth : 0, scroll: maths ? maths.scrollWidth : 0, pieces, eqs};
  });
  // Maths in prose, as a multiple of the size of its paragraph's text.
  const prose = [...document.querySelectorAll('.md-typeset p .arithmatex math')].map(m =>
    parseFloat(getComputedStyle(m).fontSize) / parseFloat(getComputedStyle(m.closest('p')).fontSize));
  // Fractions written in table cells: their parts' size against the formula's.
  const tableFractions = [...document.querySelectorAll('td math mfrac, th math mfrac')].map(f =>
    Math.min(...[...f.children].map(part => parseFloat(getComputedStyle(part).fontSize))) /
    parseFloat(getComputedStyle(f.closest('math')).fontSize));
  return {
    jacobians: jac,
    proseScale: prose,
    tableFractions,
    contentWidth: (document.querySelector('.md-content__inner') || document.body).clientWidth,
    errors: document.querySelectorAll('.jacobian-error').length,
    scheme: document.body.getAttribute('data-md-color-scheme'),
    fonts: [...document.fonts].map(f => ({family: f.family.replace(/^"|"$/g, ''), status: f.status})),
    overflowX: document.scrollingElement.scrollWidth > window.innerWidth + 1,
  };
}"""

ERRORS_ON_PURPOSE = {"reference/errors/index.html": 1}
"""Pages that show an error box on purpose (``expect: error``), and how many; every other page has none."""

# Material stores the palette under `<scope pathname>.__palette` via its own __md_set().
SET_DARK_JS = r"""(wanted) => {
  const opts = [...document.querySelectorAll('input.md-option[data-md-color-scheme]')];
  if (!opts.length || typeof __md_set !== 'function') return null;
  let i = opts.findIndex(o => o.dataset.mdColorScheme === wanted);
  if (i < 0) i = opts.findIndex(o => /dark/.test(o.dataset.mdColorMedia || ''));
  if (i < 0) i = opts.findIndex(o => o.dataset.mdColorScheme !== 'default');
  if (i < 0) return null;
  const o = opts[i];
  __md_set('__palette', {index: i, color: {media: o.dataset.mdColorMedia,
    scheme: o.dataset.mdColorScheme, primary: o.dataset.mdColorPrimary, accent: o.dataset.mdColorAccent}});
  return o.dataset.mdColorScheme;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".woff2": "font/woff2", ".woff": "font/woff", ".otf": "font/otf",
                      ".js": "text/javascript", ".mjs": "text/javascript"}

    def log_message(self, *args):  # keep test output clean
        pass


def serve(root: Path):
    handler = functools.partial(_Quiet, directory=str(root))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def page_urls(site: Path):
    for p in sorted(site.rglob("*.html")):
        rel = p.relative_to(site).as_posix()
        if rel.startswith("assets/"):
            continue
        url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        yield rel, "/" + url


def _used_fonts(page, selector):
    """Platform fonts Chromium actually used to draw the first node matching selector."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable"); cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        nid = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not nid:
            return []
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": nid})["fonts"]
    finally:
        cdp.detach()


@contextmanager
def _browser(site: Path, chromium: str):
    """Chromium, and the address of ``site`` served on 127.0.0.1, for as long as the block lasts."""
    from playwright.sync_api import sync_playwright

    srv = serve(site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            try:
                yield browser, f"http://127.0.0.1:{srv.server_address[1]}"
            finally:
                browser.close()
    finally:
        srv.shutdown()
        srv.server_close()


def check_site(site_dir, out_dir="shots", *, modes=("desktop", "phone", "desktop-dark", "phone-dark"),
               min_ratio=0.9, require_font=None, chromium="/usr/bin/chromium",
               allow_external=False, dark_scheme="slate", screenshots=True, raise_on_fail=True):
    site, out = Path(site_dir).resolve(), Path(out_dir).resolve()
    if not (site / "index.html").exists() and not list(site.rglob("*.html")):
        raise FileNotFoundError(f"no HTML pages under {site}")
    out.mkdir(parents=True, exist_ok=True)
    failures, results = [], []
    with _browser(site, chromium) as (browser, base):
        for mode in modes:
            ctx = browser.new_context(**MODES[mode])
            external = []

            def _route(route, request):  # only 127.0.0.1 may be reached
                if request.url.startswith((base + "/", "data:", "blob:")):
                    return route.continue_()
                external.append(request.url)
                return route.abort()

            ctx.route("**/*", _route)
            for rel, url in page_urls(site):
                page = ctx.new_page()
                js_errors = []
                page.on("pageerror", lambda e, _l=js_errors: _l.append(str(e)))
                if mode in PRINT_MODES:
                    page.emulate_media(media="print")
                page.goto(base + url, wait_until="load")
                scheme_set = None
                if mode.endswith("dark"):
                    scheme_set = page.evaluate(SET_DARK_JS, dark_scheme)
                    if scheme_set:
                        page.reload(wait_until="load")
                page.evaluate("() => document.fonts.ready.then(() => 0)")
                shot = None
                if screenshots is True or (screenshots and mode in screenshots):  # before measuring, which reveals hidden tabs
                    shot = out / f"{re.sub(r'[^A-Za-z0-9]+', '_', rel[:-5]).strip('_')}--{mode}.png"
                    # The reference pages are over 40,000 px tall on a phone at twice the density;
                    # on a busy machine one full-page capture can take longer than the default 30 s.
                    page.screenshot(path=str(shot), full_page=True, timeout=180_000)
                m = page.evaluate(MEASURE_JS, FENCES)
                where = f"[{mode}] {rel}"
                for j in m["jacobians"]:
                    if not j["math"]:
                        failures.append(f"{where}: .jacobian #{j['index']} has no <math>")
                    elif j["math"]["w"] <= 0 or j["math"]["h"] <= 0:
                        failures.append(f"{where}: .jacobian #{j['index']} <math> has empty box {j['math']}")
                    for t in j["tables"]:
                        for side in ("open", "close"):
                            f = t[side]
                            if f and f["h"] < min_ratio * t["table"]:
                                failures.append(
                                    f"{where}: .jacobian #{j['index']} {t['rows']}x{t['cols']} fence "
                                    f"{f['text']!r} {f['h']:.1f}px < {min_ratio} x table {t['table']:.1f}px")
                if m["errors"] != ERRORS_ON_PURPOSE.get(rel, 0):
                    failures.append(f"{where}: {m['errors']} .jacobian-error element(s)")
                if js_errors:
                    failures.append(f"{where}: JS errors {js_errors}")
                if mode.endswith("dark") and scheme_set and m["scheme"] != scheme_set:
                    failures.append(f"{where}: dark palette not applied (scheme={m['scheme']})")
                used = None
                if require_font and m["jacobians"]:
                    st = [f["status"] for f in m["fonts"] if f["family"] == require_font]
                    if "loaded" not in st:
                        failures.append(f"{where}: web font {require_font!r} not loaded ({st or 'no @font-face'})")
                    used = _used_fonts(page, ".jacobian mtable ~ mo, .jacobian mo")
                    if not any(u["familyName"] == require_font and u["isCustomFont"] for u in used):
                        failures.append(f"{where}: fences drawn with {used}, not web font {require_font!r}")
                results.append({"mode": mode, "page": rel, "screenshot": str(shot) if shot else None,
                                "scheme": m["scheme"], "overflowX": m["overflowX"],
                                "jacobians": m["jacobians"], "fontsUsedForFences": used,
                                "proseScale": m["proseScale"], "contentWidth": m["contentWidth"],
                                "tableFractions": m["tableFractions"]})
                page.close()
            if external and not allow_external:
                failures.append(f"[{mode}] external requests blocked: {sorted(set(external))}")
            ctx.close()
    report = {"site": str(site), "out": str(out), "failures": failures, "pages": results}
    if failures and raise_on_fail:
        raise AssertionError("\n".join(failures))
    return report


# Runs in the page once MathJax (if any) has typeset; what a reader sees of each block.
READER_JS = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
  const box = e => e.getBoundingClientRect();
  const glyph = e => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect().width; };
  const tall = e => e.matches('mfrac, mtable, msqrt, mroot, munder, mover, munderover') ||
                    !!e.querySelector('mfrac, mtable, msqrt, mroot, munder, mover, munderover');
  // The space a reader sees between a parenthesis and what it holds: the gap between the boxes,
  // plus whatever the parenthesis's box holds beyond its glyph (a stretched fence's side space).
  const gaps = j => [...j.querySelectorAll('mrow')].flatMap(row => {
    const kids = [...row.children];
    if (kids.length < 3) return [];
    const [open, close] = [kids[0], kids[kids.length - 1]];
    if (open.localName !== 'mo' || open.textContent.trim() !== '(' ||
        close.localName !== 'mo' || close.textContent.trim() !== ')') return [];
    const inner = kids.slice(1, -1);
    if (inner.some(tall)) return [];
    const left = Math.min(...inner.map(e => box(e).left)), right = Math.max(...inner.map(e => box(e).right));
    return [{text: row.textContent, left: left - box(open).right + (box(open).width - glyph(open)),
             right: box(close).left - right + (box(close).width - glyph(close))}];
  });
  // A fraction's parts drawn smaller than the maths around it (script size), outside any script.
  const scripted = 'msub > :not(:first-child), msup > :not(:first-child), msubsup > :not(:first-child), ' +
                   'munder > :not(:first-child), mover > :not(:first-child), mroot > :not(:first-child)';
  const shrunk = m => [...m.querySelectorAll('mfrac > *')].filter(part => !part.closest(scripted) &&
      parseFloat(getComputedStyle(part).fontSize) < 0.95 * parseFloat(getComputedStyle(m).fontSize)).length;
  return [...document.querySelectorAll('.jacobian')].map((j, index) => {
    const maths = j.querySelector('.jacobian-maths');
    const cs = getComputedStyle(maths);
    const pieces = [...maths.querySelectorAll('math, mjx-container')].filter(p => !p.parentElement.closest('mjx-container'));
    // Boxes inside the maths that scroll on their own: the maths must be the one box that scrolls.
    const inner = [...maths.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 &&
        ['auto', 'scroll'].includes(getComputedStyle(e).overflowX));
    const em = parseFloat(getComputedStyle(j.querySelector('.jacobian-display')).fontSize);
    return {index, id: j.id, clientWidth: maths.clientWidth, scrollWidth: maths.scrollWidth, em,
            widest: Math.max(0, ...pieces.map(e => box(e).width)), innerScrollers: inner.length,
            typeset: !!maths.querySelector('math, mjx-container'),
            overflows: maths.scrollWidth > maths.clientWidth + 1,
            background: cs.backgroundImage, attachment: cs.backgroundAttachment,
            shrunkFractions: [...maths.querySelectorAll('math')].reduce((n, m) => n + shrunk(m), 0),
            eqs: [...j.querySelectorAll('.jacobian-eq')].map(e => {
              const l = box(e.querySelector('.jacobian-lhs')), r = box(e.querySelector('.jacobian-rhs').querySelector('math, mjx-container'));
              return {beside: (r.top + r.bottom) / 2 > l.top && (r.top + r.bottom) / 2 < l.bottom, equals: r.left};
            }),
            gaps: gaps(j)};
  });
}"""


def check_reader(site_dir, out_dir, *, modes=("desktop", "phone", "desktop-dark", "phone-dark"),
                 chromium="/usr/bin/chromium", dark_scheme="slate"):
    """Measure every block of every page as a reader sees it, and screenshot each block.

    Returns ``[{"mode", "page", "blocks": [...]}]``, each block as READER_JS measures it plus the
    path of its PNG. Only 127.0.0.1 is reached.
    """
    site, out = Path(site_dir).resolve(), Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    results = []
    with _browser(site, chromium) as (browser, base):
        for mode in modes:
            ctx = browser.new_context(**MODES[mode])
            ctx.route("**/*", lambda route, request: route.continue_()
                      if request.url.startswith((base + "/", "data:", "blob:")) else route.abort())
            for rel, url in page_urls(site):
                page = ctx.new_page()
                page.goto(base + url, wait_until="load")
                if mode.endswith("dark") and page.evaluate(SET_DARK_JS, dark_scheme):
                    page.reload(wait_until="load")
                blocks = page.evaluate(READER_JS)
                stem = re.sub(r"[^A-Za-z0-9]+", "_", rel[:-5]).strip("_")
                for b, element in zip(blocks, page.locator(".jacobian").all()):
                    b["screenshot"] = str(out / f"{stem}--{b['id'] or b['index']}--{mode}.png")
                    element.screenshot(path=b["screenshot"])
                results.append({"mode": mode, "page": rel, "blocks": blocks})
                page.close()
            ctx.close()
    return results


# Runs in any host's page: each block's maths and each error box, as a reader sees them.
HOST_JS = r"""async () => {
  await document.fonts.ready;
  const box = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  const maths = [...document.querySelectorAll('.jacobian math')].map(m => ({
    box: box(m), fontFamily: getComputedStyle(m).fontFamily, display: m.getAttribute('display')}));
  const errors = [...document.querySelectorAll('.jacobian-error')].map(e => {
    const cs = getComputedStyle(e);
    return {box: box(e), borderLeft: cs.borderLeftWidth, borderColor: cs.borderLeftColor,
            background: cs.backgroundColor, text: e.textContent};
  });
  // Parentheses round flat content, as in ∂(f, g): their height against the letters', and the gap
  // between each and what it holds (a stretched fence is taller, with a wide box).
  const tall = 'mfrac, mtable, msqrt, mroot, munder, mover, munderover';
  const isMo = (e, t) => e.localName === 'mo' && e.textContent.trim() === t;
  const r = e => e.getBoundingClientRect();
  const glyph = e => { const g = document.createRange(); g.selectNodeContents(e); return g.getBoundingClientRect().width; };
  const parens = [...document.querySelectorAll('.jacobian mo')].filter(o => isMo(o, '(')).flatMap(open => {
    const kids = [...open.parentElement.children], inner = [];
    let depth = 0;
    for (const e of kids.slice(kids.indexOf(open) + 1)) {
      if (isMo(e, '(')) depth++;
      if (isMo(e, ')') && depth-- === 0) {
        if (!inner.length || inner.some(k => k.matches(tall) || k.querySelector(tall))) return [];
        const letters = Math.max(...inner.map(k => r(k).height));
        return [{text: [open, ...inner, e].map(k => k.textContent).join(''), ratio: r(open).height / letters,
                 gap: Math.max(Math.min(...inner.map(k => r(k).left)) - r(open).right + r(open).width - glyph(open),
                               r(e).left - Math.max(...inner.map(k => r(k).right)) + r(e).width - glyph(e))}];
      }
      inner.push(e);
    }
    return [];
  });
  return {maths, errors, parens, rawTex: /\\(begin|frac|left)/.test(document.body.innerText),
          fonts: [...document.fonts].map(f => ({family: f.family.replace(/^"|"$/g, ''), status: f.status}))};
}"""


def check_host_page(root, page, shot, *, chromium="/usr/bin/chromium", width=900):
    """Open ``page`` (a path under ``root``, served from 127.0.0.1) as a reader would, and measure it.

    Returns HOST_JS's measurements plus ``external`` (requests that would have left 127.0.0.1,
    blocked), ``js_errors``, and ``used``: the platform fonts Chromium drew the first block's operators
    and fences with. A full-page PNG goes to ``shot``.
    """
    root = Path(root).resolve()
    with _browser(root, chromium) as (browser, base):
        ctx = browser.new_context(viewport={"width": width, "height": 800})
        external = []

        def _route(route, request):
            if request.url.startswith((base + "/", "data:", "blob:")):
                return route.continue_()
            external.append(request.url)
            return route.abort()

        ctx.route("**/*", _route)
        tab = ctx.new_page()
        js_errors = []
        tab.on("pageerror", lambda e: js_errors.append(str(e)))
        tab.goto(f"{base}/{page}", wait_until="load")
        measured = tab.evaluate(HOST_JS)
        Path(shot).parent.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(shot), full_page=True)
        used = _used_fonts(tab, ".jacobian mo") if measured["maths"] else []
        ctx.close()
    return {**measured, "external": external, "js_errors": js_errors, "used": used}


HANG_EM = 3
"""The deepest a piece is indented on a continued line, in em of the maths: sides, terms and the
runs inside a factor each hang one em further in."""


def scrolling_blocks(report, modes):
    """[(page, mode, block index, scroll width, box width, widest piece)] for every block whose maths
    are wider than their box in one of ``modes``."""
    out = []
    for r in report["pages"]:
        if r["mode"] not in modes:
            continue
        for j in r["jacobians"]:
            if j["scroll"] > j["client"] + 1:
                widest = max(j["pieces"], key=lambda p: p["w"], default=None)
                out.append((r["page"], r["mode"], j["index"], j["scroll"], j["client"], widest))
    return out


def needless_scrolling(report, modes):
    """The scrolling blocks in ``modes`` that no matrix forces to scroll: a block may scroll only
    where a piece holding a matrix is wider than the box less the deepest indentation."""
    out = []
    for page, mode, index, scroll, client, _ in scrolling_blocks(report, modes):
        j = next(j for r in report["pages"] if r["page"] == page and r["mode"] == mode
                 for j in r["jacobians"] if j["index"] == index)
        em = j["fontSize"] or 16
        forced = [p for p in j["pieces"] if p["table"] and p["w"] > client - HANG_EM * em]
        if not forced:
            out.append((page, mode, index, scroll, client, max(j["pieces"], key=lambda p: p["w"], default=None)))
    return out


def misaligned_equals(report, modes, tolerance=1.0):
    """[(page, mode, block index, x of each "=")] for blocks of several equations whose "=" signs,
    where a right side starts beside its left side, do not line up."""
    out = []
    for r in report["pages"]:
        if r["mode"] not in modes:
            continue
        for j in r["jacobians"]:
            xs = [e["equals"] for e in j["eqs"] if e["beside"]]
            if len(xs) >= 2 and max(xs) - min(xs) > tolerance:
                out.append((r["page"], r["mode"], j["index"], xs))
    return out


LINES_JS = r"""(px) => [...document.querySelectorAll('math')].map(m => {
  // A formula's lines as drawn: each row of an aligned table from the table's left edge, or the
  // whole formula; in em of the maths.
  const table = m.querySelector('semantics > mtable');
  if (!table) { const r = document.createRange(); r.selectNodeContents(m); return [r.getBoundingClientRect().width / px]; }
  const left = table.getBoundingClientRect().left;
  return [...table.querySelectorAll(':scope > mtr')].map(row => {
    const r = document.createRange(); r.selectNodeContents(row);
    return (r.getBoundingClientRect().right - left) / px;
  });
})"""


def line_widths(mathml, font, chromium="/usr/bin/chromium", px=20):
    """The width in em of every line of each ``<math>`` in ``mathml`` (a list), drawn in ``font``."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copy(font, root / "font.otf")
        body = "\n".join(f"<p>{m}</p>" for m in mathml)
        (root / "index.html").write_text(
            '<!doctype html><meta charset="utf-8"><style>@font-face { font-family: M; src: url("font.otf"); }'
            f"math {{ font-family: M; font-size: {px}px; }}</style>{body}", encoding="utf-8")
        with _browser(root, chromium) as (browser, base):
            page = browser.new_page(viewport={"width": 4000, "height": 800})
            page.goto(base + "/index.html", wait_until="load")
            page.evaluate("() => document.fonts.ready.then(() => 0)")
            return page.evaluate(LINES_JS, px)


def bracket_ratios(report):
    """[(page, mode, rows, cols, min(fence h)/table h)] for every fenced table - handy in tests."""
    out = []
    for r in report["pages"]:
        for j in r["jacobians"]:
            for t in j["tables"]:
                hs = [t[s]["h"] for s in ("open", "close") if t[s]]
                if hs and t["table"]:
                    out.append((r["page"], r["mode"], t["rows"], t["cols"], min(hs) / t["table"]))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site")
    ap.add_argument("--out", default="shots")
    ap.add_argument("--modes", default="desktop,phone,desktop-dark,phone-dark")
    ap.add_argument("--min-ratio", type=float, default=0.9)
    ap.add_argument("--require-font", default=None)
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--dark-scheme", default="slate")
    ap.add_argument("--allow-external", action="store_true")
    ap.add_argument("--no-screenshots", action="store_true")
    ap.add_argument("--json", default=None, help="write the full report here")
    a = ap.parse_args(argv)
    rep = check_site(a.site, a.out, modes=[m.strip() for m in a.modes.split(",") if m.strip()],
                     min_ratio=a.min_ratio, require_font=a.require_font, chromium=a.chromium,
                     allow_external=a.allow_external, dark_scheme=a.dark_scheme,
                     screenshots=not a.no_screenshots, raise_on_fail=False)
    if a.json:
        Path(a.json).write_text(json.dumps(rep, indent=1, ensure_ascii=False))
    for p, mode, r, c, ratio in bracket_ratios(rep):
        print(f"{mode:13s} {p:28s} {r}x{c} fence/table = {ratio:.2f}")
    for r in rep["pages"]:
        if r["overflowX"]:
            print(f"warning: [{r['mode']}] {r['page']} scrolls horizontally")
    for f in rep["failures"]:
        print("FAIL:", f)
    print(f"{len(rep['pages'])} page renders, {len(rep['failures'])} failure(s); PNGs in {rep['out']}")
    return 1 if rep["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
