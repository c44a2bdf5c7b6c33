"""Pure certificate rules: numbers, codes, validity and renewal, status on a date, status list."""

from __future__ import annotations

from datetime import date

import pytest

from exam_app.certificates import credential, rules


def test_codes_carry_80_bits_in_readable_groups() -> None:
    code = rules.new_code(randbits=(1 << 80) - 1)
    assert code == "Z" * 16
    assert rules.format_code(rules.new_code(randbits=0)) == "0000-0000-0000-0000"
    assert len({rules.new_code() for _ in range(200)}) == 200
    assert all(ch in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" for ch in rules.new_code())


def test_typed_codes_are_forgiving() -> None:
    assert rules.normalize_code(" k7qx-3m9d rt2p-8wza ") == "K7QX3M9DRT2P8WZA"
    assert rules.normalize_code("O1IL") == "0111"


def test_number_is_year_and_sequence() -> None:
    assert rules.format_number(2026, 123) == "2026-000123"


@pytest.mark.parametrize(
    ("passed", "previous", "expires"),
    [
        (date(2026, 12, 1), None, date(2029, 11, 30)),  # 36 months, the last day included
        (date(2026, 1, 31), None, date(2029, 1, 30)),
        # renewal inside the 90-day window: runs on from the old expiry, losing nothing
        (date(2026, 11, 1), date(2026, 12, 31), date(2029, 12, 31)),
        # before the window opens: starts afresh from the pass
        (date(2026, 6, 1), date(2026, 12, 31), date(2029, 5, 31)),
        # after expiry: afresh
        (date(2027, 1, 5), date(2026, 12, 31), date(2030, 1, 4)),
    ],
)
def test_validity_and_early_renewal(passed: date, previous: date | None, expires: date) -> None:
    v = rules.validity(passed, 36, 90, previous)
    assert (v.valid_from, v.expires_on) == (passed, expires)


def test_add_months_clamps_to_the_month_end() -> None:
    assert rules.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_shown_status_on_a_date() -> None:
    end = date(2029, 11, 30)
    assert rules.shown_status("valid", end, date(2029, 11, 30)) == "valid"
    assert rules.shown_status("valid", end, date(2029, 12, 1)) == "expired"
    assert rules.shown_status("revoked", end, date(2027, 1, 1)) == "revoked"
    assert rules.shown_status("superseded", end, date(2030, 1, 1)) == "superseded"


def test_status_list_sets_exactly_the_revoked_bits() -> None:
    encoded = credential.encode_status_list([0, 7, 8, 131_071])
    assert encoded.startswith("u")
    assert [credential.is_set(encoded, i) for i in (0, 1, 7, 8, 9, 131_071)] == [
        True,
        False,
        True,
        True,
        False,
        True,
    ]
    with pytest.raises(ValueError, match="outside"):
        credential.encode_status_list([131_072])
