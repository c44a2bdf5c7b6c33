"""Uploaded text: the encodings trainers' files come in are read; anything else is refused."""

from __future__ import annotations

import pytest

from exam_app.core.textfiles import UnknownEncoding, decode_text
from exam_app.trees import depth_first

CHINESE = "1．客户申请新装用电时，应提供（ ）。\nA、身份证明 B、产权证明\n答案：AB\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk"], ids=str)
def test_the_encodings_real_files_use_are_read(encoding: str) -> None:
    assert decode_text(CHINESE.encode(encoding)) == CHINESE


def test_a_western_file_is_refused_not_read_as_chinese() -> None:
    western = "Rémunération der Übungsleiter für Grössere Zählerstände\n".encode("cp1252")
    western.decode("gb18030")  # it "decodes", into nonsense: the reason for the check
    with pytest.raises(UnknownEncoding):
        decode_text(western)


def test_binary_is_refused() -> None:
    with pytest.raises(UnknownEncoding):
        decode_text(b"PK\x03\x04\x14\x00\x06\x00binary")


def test_depth_first_puts_parents_before_children() -> None:
    nodes = [(1, None, "a"), (2, 1, "a1"), (3, None, "b"), (4, 2, "a1x"), (5, 1, "a2")]
    walk = depth_first(nodes, lambda n: n[0], lambda n: n[1])
    assert [(d, n[2]) for d, n in walk] == [(0, "a"), (1, "a1"), (2, "a1x"), (1, "a2"), (0, "b")]
