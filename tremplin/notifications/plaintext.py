"""Plain text for SMS, e-mails and their subjects: what people typed (a name, a workshop title, a place, the
equipment) is written as text, never as markup, and with no control character.

Tags are removed, not escaped: an SMS is not HTML, so « &lt;script&gt; » would be read as garbage, and
« <script>alert(1)</script> Josiane » becomes « alert(1) Josiane ». Control characters (C0 and C1, except the
line feed of an e-mail's lines) and the invisible bidirectional overrides that can disguise a text are dropped."""

import re

from django.utils.html import strip_tags

_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain_text(text: str) -> str:
    """`text` without tags or control characters; tabs become spaces, line feeds stay (CR LF becomes LF)."""
    text = strip_tags(text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """A subject line: plain text on one line, runs of spaces collapsed."""
    return " ".join(plain_text(text).split())
