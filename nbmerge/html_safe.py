"""Notebook content made safe to show in the HTML page: sanitised HTML, rendered markdown, ANSI text.

  sanitize(html)                    -> HTML with no script, handler, style or outside URL left
  render_markdown(text, attachments) -> markdown rendered as Jupyter does, sanitised; LaTeX as source
  ansi_spans(text)                  -> (plain text, [(start, end, css classes)]) from ANSI colour codes
  image_facts(mime, data)           -> (width, height, bytes) of a png, jpeg, gif or svg value
  data_uri(mime, data)              -> a data: URI for an image value, or None when it is not one

Notebook content is hostile input. HTML goes through nh3 (ammonia, a whitelist sanitiser):
no <script>, <style>, <iframe>, <form>, no on* attributes, no javascript: URLs; images
keep only data: URIs of image types (an outside URL would be a network request). The
page's Content-Security-Policy is the second wall: only the page's own script may run.
nh3 and mistune are imported on first use: only the HTML and markdown paths pay.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from urllib.parse import unquote

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; annotations are never evaluated
    from typing import Any, List, Optional, Tuple
    Span = Tuple[int, int, str]

IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_SAFE_IMAGE_URI = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.I)
_ATTACHMENT = re.compile(r'src="attachment:([^"]*)"')
# LaTeX is shown as source, as typed: kept away from the markdown parser, whose emphasis
# rules would eat the `_` and `*` of a formula, and put back after sanitising.
_MATH = re.compile(r"(?<!\\)\$\$[\s\S]+?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$|"
                   r"\\begin\{([a-zA-Z]+\*?)\}[\s\S]+?\\end\{\1\}")
_MATH_SLOT = re.compile("\ue000(\\d+)\ue001")
_ANSI_ESCAPE = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")

_cleaner = None
_markdown = None


def _nh3():
    global _cleaner
    if _cleaner is None:
        import nh3

        tags = set(nh3.ALLOWED_TAGS) - {"style"}
        attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
        for cell_tag in ("td", "th"):
            attributes.setdefault(cell_tag, set()).update({"colspan", "rowspan"})
        # One Cleaner, built once: passing the settings to nh3.clean converts them on every call
        # (110 µs against 25 µs for a short markdown cell).
        _cleaner = nh3.Cleaner(tags=tags, attributes=attributes, attribute_filter=_attribute_filter,
                               url_schemes={"http", "https", "mailto", "data"}, strip_comments=True)
    return _cleaner


def _attribute_filter(tag: str, name: str, value: str) -> Optional[str]:
    # data: only as an image's source, and only of an image type; an image from anywhere
    # else would be fetched when the page opens, so its source is dropped.
    if name == "src":
        return value if _SAFE_IMAGE_URI.match(value) else None
    if value.lstrip().lower().startswith("data:"):
        return None
    return value


def sanitize(text: str) -> str:
    """HTML from a notebook, with everything that could run, load or restyle the page removed.

    >>> sanitize('<b onclick="x()">hi</b><script>alert(1)</script>')
    '<b>hi</b>'
    """
    return _nh3().clean(text)


def _markdown_renderer():
    global _markdown
    if _markdown is None:
        import mistune

        # nbconvert's renderer: raw HTML kept (the sanitiser sees it next), tables and
        # strikethrough as in JupyterLab. 1.8x faster than markdown-it-py on real cells.
        # attachment: names a cell attachment, resolved after rendering; every other URL is
        # mistune's to judge (javascript: and the like become harmless). Said through the
        # constructor, which every mistune 3 reads: the method to override was renamed in 3.4.
        renderer = mistune.HTMLRenderer(escape=False, allow_harmful_protocols=("attachment:",))
        _markdown = mistune.create_markdown(escape=False, renderer=renderer, plugins=["table", "strikethrough"])
    return _markdown


def render_markdown(text: str, attachments: Any = None) -> str:
    """A markdown cell as HTML, safe to put in the page; `attachment:NAME` images resolved."""
    formulas: List[str] = []

    def keep(match) -> str:
        formulas.append(match.group())
        return f"\ue000{len(formulas) - 1}\ue001"

    if "$" in text or "\\begin" in text:
        text = _MATH.sub(keep, text)
    rendered = _markdown_renderer()(text)
    if "attachment:" in rendered and isinstance(attachments, dict):
        rendered = _ATTACHMENT.sub(lambda m: _attachment_src(m.group(1), attachments), rendered)
    rendered = sanitize(rendered)
    if formulas:
        rendered = _MATH_SLOT.sub(lambda m: '<span class="math">' + html.escape(formulas[int(m.group(1))])
                                  + "</span>", rendered)
    return rendered


def _attachment_src(name: str, attachments: dict) -> str:
    bundle = attachments.get(html.unescape(unquote(name)))
    if isinstance(bundle, dict):
        for mime in IMAGE_MIMES:
            uri = data_uri(mime, bundle.get(mime))
            if uri:
                return f'src="{uri}"'
    return 'src=""'


def joined(value: Any) -> str:
    """A notebook text value, stored as a string or a list of strings, as one string."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # a malformed notebook: keep the strings
            return "".join(part for part in value if isinstance(part, str))
    return ""


def data_uri(mime: str, value: Any) -> Optional[str]:
    """A data: URI showing an image value; None for anything that is not a well-formed image."""
    if mime == "image/svg+xml":
        text = joined(value)
        if not text:
            return None
        # Shown through <img>: a browser runs no script inside an SVG image.
        return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8", "replace")).decode("ascii")
    text = joined(value)
    if not text or not _BASE64.fullmatch(text):
        return None
    return f"data:{mime};base64," + ("".join(text.split()) if "\n" in text or " " in text else text)


def image_facts(mime: str, value: Any) -> Tuple[Optional[int], Optional[int], int]:
    """Pixel width and height (None when unknown) and byte size of an image value."""
    text = joined(value)
    if mime == "image/svg+xml":
        raw = text.encode("utf-8", "replace")
        root = re.search(r"<svg\b[^>]*>", text)
        if not root:
            return None, None, len(raw)
        width, height = (re.search(rf'\s{attr}\s*=\s*["\']?\s*([\d.]+)', root.group()) for attr in ("width", "height"))
        if width and height:
            return round(float(width.group(1))), round(float(height.group(1))), len(raw)
        box = re.search(r'viewBox\s*=\s*["\']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', root.group())
        return (round(float(box.group(1))), round(float(box.group(2))), len(raw)) if box else (None, None, len(raw))
    packed = "".join(text.split())
    size = len(packed) * 3 // 4 - packed[-2:].count("=")
    try:
        head = base64.b64decode(packed[:64] if mime != "image/jpeg" else packed, validate=False)
    except (binascii.Error, ValueError):
        return None, None, size
    return (*_pixel_size(head), size)


def _pixel_size(data: bytes) -> Tuple[Optional[int], Optional[int]]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":  # JPEG: walk the segments to the frame header (SOFn)
        pos = 2
        while pos + 9 < len(data):
            if data[pos] != 0xFF:
                return None, None
            marker, length = data[pos + 1], int.from_bytes(data[pos + 2:pos + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(data[pos + 7:pos + 9], "big"), int.from_bytes(data[pos + 5:pos + 7], "big")
            pos += 2 + length
    return None, None


_ANSI_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def ansi_spans(text: str) -> Tuple[str, List[Span]]:
    """Text without its ANSI escapes, and the spans the colour codes covered.

    Colours are css classes (`af-red`, `ab-green`, `a-bold`): the page's policy forbids inline
    styles. 256-colour codes under 16 map to those; other 256-colour and 24-bit colours are dropped.

    >>> ansi_spans("a\\x1b[31mred\\x1b[0m b")
    ('ared b', [(1, 4, 'af-red')])
    """
    if "\x1b" not in text:
        return text, []
    plain: List[str] = []
    spans: List[Span] = []
    length = 0
    style = _Style()
    # Each piece of text runs up to the next escape; the escape then changes the style.
    for piece, escape_code in _pieces(text):
        if piece:
            classes = style.classes()
            if classes:
                spans.append((length, length + len(piece), classes))
            plain.append(piece)
            length += len(piece)
        if escape_code is not None:
            style.apply([int(c) if c.isdigit() else 0 for c in (escape_code or "0").split(";")])
    return "".join(plain), spans


def _pieces(text: str):
    """(text before an escape, the escape's SGR parameters or None), up to a last (rest, None)."""
    pos = 0
    for match in _ANSI_ESCAPE.finditer(text):
        yield text[pos:match.start()], (match.group(1) or "") if match.group(2) == "m" else None
        pos = match.end()
    yield text[pos:], None


class _Style:
    """The SGR state of a terminal: colours, bold, underline."""

    def __init__(self) -> None:
        self.fg = self.bg = None
        self.bold = self.underline = False

    def classes(self) -> str:
        return " ".join(c for c in (self.fg and "af-" + self.fg, self.bg and "ab-" + self.bg,
                                    self.bold and "a-bold", self.underline and "a-under") if c)

    def apply(self, codes: List[int]) -> None:
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.__init__()
            elif code in (1, 22):
                self.bold = code == 1
            elif code in (4, 24):
                self.underline = code == 4
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = ("bright-" if code >= 90 else "") + _ANSI_COLOURS[code % 10]
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = ("bright-" if code >= 100 else "") + _ANSI_COLOURS[code % 10]
            elif code in (39, 49):
                setattr(self, "fg" if code == 39 else "bg", None)
            elif code in (38, 48):
                colour = None
                if i + 2 < len(codes) and codes[i + 1] == 5:
                    n = codes[i + 2]
                    colour = (("bright-" if n >= 8 else "") + _ANSI_COLOURS[n % 8]) if n < 16 else None
                    i += 2
                elif i + 4 < len(codes) and codes[i + 1] == 2:
                    i += 4
                setattr(self, "fg" if code == 38 else "bg", colour)
            i += 1


def overwrite_carriage_returns(text: str) -> str:
    r"""Text as a terminal shows it after `\r` rewrote lines (progress bars).

    >>> overwrite_carriage_returns("10%\r50%\r100%\ndone")
    '100%\ndone'
    """
    if "\r" not in text:
        return text
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part):]
        lines.append(shown)
    return "\n".join(lines)
