"""What the map page inlines: vis-network from the installed pyvis, the page's own JS/CSS,
JSON made safe for ``<script>`` blocks, and the Content-Security-Policy that pins the scripts.

vis-network 9.1.2 (Apache-2.0 OR MIT) is read at build time from the pyvis wheel
(``pyvis/templates/lib/vis-9.1.2/``), so nothing of it is copied into this
repository and nothing is fetched when the page is opened.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from importlib import resources

__all__ = ["vis_js", "vis_css", "page_js", "page_css", "script_json", "checked_inline",
           "csp_policy", "VIS_VERSION"]

VIS_VERSION = "9.1.2"
_VIS_DIR = f"templates/lib/vis-{VIS_VERSION}"
# Sequences that would end or confuse the <script>/<style> element they are inlined in.
_BREAKOUT = re.compile(r"</(script|style)|<!--", re.IGNORECASE)
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def _pyvis_file(name: str) -> str:
    return resources.files("pyvis").joinpath(f"{_VIS_DIR}/{name}").read_text("utf-8")


def _own_file(name: str) -> str:
    return resources.files("dealgraph.viz").joinpath(f"assets/{name}").read_text("utf-8")


@lru_cache(maxsize=None)
def vis_js() -> str:
    """vis-network's standalone UMD build, checked safe to inline."""
    return checked_inline(_pyvis_file("vis-network.min.js"))


@lru_cache(maxsize=None)
def vis_css() -> str:
    return checked_inline(_pyvis_file("vis-network.css"))


@lru_cache(maxsize=None)
def page_js() -> str:
    """The map page's behaviour: search, filters, as-of slider, details panel."""
    return checked_inline(_own_file("map.js"))


@lru_cache(maxsize=None)
def page_css() -> str:
    return checked_inline(_own_file("map.css"))


def checked_inline(text: str) -> str:
    """``text`` unchanged, after making sure it cannot close the element it is inlined in."""
    m = _BREAKOUT.search(text)
    if m:
        raise ValueError(f"asset contains {m.group(0)!r}; it cannot be inlined")
    return text


def script_json(value, *, already_json: bool = False) -> str:
    """JSON text that is safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes (so no ``</script>``
    or ``<!--`` can appear) and so do U+2028/U+2029; JSON.parse reads them back
    as the same characters.
    """
    text = value if already_json else json.dumps(value, ensure_ascii=False,
                                                 separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


@lru_cache(maxsize=None)
def csp_policy() -> str:
    """A policy that lets only the two inlined scripts run and forbids every fetch.

    ``default-src 'none'`` blocks every request (scripts, styles, images, fonts,
    frames, XHR/fetch, websockets); images may only be ``data:`` URIs (vis-network's
    CSS uses a few). Inline event handlers and injected scripts cannot run,
    because script-src lists the hashes of our two scripts and nothing else.
    """
    scripts = " ".join(_sha256(s) for s in (vis_js(), page_js()))
    return (f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
            "img-src data:; font-src data:; base-uri 'none'; form-action 'none'")
