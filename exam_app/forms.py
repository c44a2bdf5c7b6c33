"""Form pieces every domain shares: the bare confirm form and tree-shaped choice labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """A bare POST form: CSRF token plus a button."""

    submit = SubmitField(_l("确认"))


class _Named(Protocol):
    id: int
    name: str


def tree_choices(tree: Iterable[tuple[int, _Named]]) -> list[tuple[int, str]]:
    """(id, label) pairs for a select from ``(depth, node)`` rows, each label indented by its
    depth with ideographic spaces (an ordinary space collapses in a <select>)."""
    return [(node.id, "\u3000" * depth + node.name) for depth, node in tree]
