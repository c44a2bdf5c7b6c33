"""Text files trainers and HR upload: which encodings are read, and refusing the rest.

Read: UTF-8 with or without BOM, UTF-16 with BOM, and GB18030/GBK (what Chinese Windows saves
as "ANSI" text). Anything else is refused rather than guessed: a Western (cp1252) file decodes
"successfully" as GB18030 too, into nonsense characters, so GB18030 is accepted only when its
double-byte characters look like Chinese text (see ``_looks_like_gbk_chinese``).
"""

from __future__ import annotations

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
#: Share of GBK double-byte characters that must come from the GB2312 area (trail byte >= 0xA1).
_GB2312_SHARE = 0.9


class UnknownEncoding(ValueError):
    """The bytes are not text in one of the encodings read here."""


def decode_text(data: bytes) -> str:
    """The text of ``data``.

    :raises UnknownEncoding: when it is none of the encodings read here, or not text at all
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode(data, encoding)
            break
    else:
        text = _decode(data, "utf-8")
        if text is None and _looks_like_gbk_chinese(data):
            text = _decode(data, "gb18030")
    if text is None or _has_binary_controls(text):
        raise UnknownEncoding("not UTF-8, UTF-16 or GB18030 text")
    return text


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_like_gbk_chinese(data: bytes) -> bool:
    """Chinese text saved as GBK uses GB2312 characters almost only: both bytes >= 0xA1. In a
    cp1252 file read as GBK, an accented letter (0xC0-0xFF) pairs with the ASCII letter after
    it (trail byte < 0x80), which real Chinese text almost never does."""
    pairs = in_gb2312 = 0
    i, n = 0, len(data)
    while i < n:
        lead = data[i]
        if lead < 0x80:
            i += 1
            continue
        if i + 1 >= n:
            return False
        trail = data[i + 1]
        if 0x30 <= trail <= 0x39:  # a GB18030 four-byte sequence
            pairs += 1
            i += 4
            continue
        pairs += 1
        in_gb2312 += trail >= 0xA1
        i += 2
    return pairs == 0 or in_gb2312 >= _GB2312_SHARE * pairs


def _has_binary_controls(text: str) -> bool:
    """Binary files (a .doc or .xlsx renamed .txt) may decode, but hold control characters."""
    return any(ord(char) < 32 and char not in "\t\n\r\f\v" for char in text)
