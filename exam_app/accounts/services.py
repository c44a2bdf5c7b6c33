"""Account use cases: sign-in with lockout, users, passwords, org units. Flush, never commit."""

from __future__ import annotations

import functools
import re
import secrets
import string
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts import events, passwords
from exam_app.accounts.models import (
    ORG_KIND_PARENT,
    LoginThrottle,
    OrgKind,
    OrgUnit,
    Role,
    User,
    UserRole,
)
from exam_app.accounts.policy import LoginLimits, PasswordPolicy
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ
from exam_app.trees import depth_first

# Re-exported: callers catch the base of LoginLocked/BadCredentials, and name the policies.
__all__ = ["DomainError", "LoginLimits", "PasswordPolicy"]

EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
#: An address reminders can go to: something@domain.tld, no spaces, at most 254 characters.
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+$")


def clean_email(text: str | None) -> str | None:
    """The address as stored (None: none given).

    :raises DomainError: for something that is not an e-mail address
    """
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 254 or not EMAIL.match(text):
        raise DomainError(_("邮箱“%(email)s”格式不正确。", email=text), field="email")
    return text


#: Letters that cannot be mistaken for one another when read off a screen.
_TEMP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


class LoginLocked(DomainError):
    """Too many failed sign-ins: of this account (``scope`` "account": locked from everywhere),
    or from this address (``scope`` "address": this address is refused, no account is locked)."""

    def __init__(self, until: datetime, scope: str = "account") -> None:
        super().__init__(_("登录失败次数过多，账号已临时锁定。"))
        self.until = until
        self.scope = scope


class BadCredentials(DomainError):
    pass


#: The most common passwords (a public list, see its header), one a line, in lower case.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
#: What people put around a common word to pass a rule: "password1", "2024dragon", "welcome!".
_PADDING = string.digits + string.punctuation + " "


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, read once per process."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))


def is_common_password(password: str) -> bool:
    """The password, in lower case, is on the list, or is a listed word (3+ characters) with
    digits or symbols around it."""
    common = common_passwords()
    lowered = password.lower()
    core = lowered.strip(_PADDING)
    return lowered in common or (len(core) >= 3 and core in common)


def _name_parts(name: str) -> set[str]:
    """Parts of a person's name that a password must not contain: the whole name without
    spaces (2+ characters of Chinese, 3+ otherwise) and each longer word of it."""
    whole = re.sub(r"\s+", "", name).lower()
    parts = {word for word in name.lower().split() if len(word) >= 4}
    if len(whole) >= (2 if not whole.isascii() else 3):
        parts.add(whole)
    return parts


def temporary_password(policy: PasswordPolicy | None = None, length: int = 12) -> str:
    """A random password that meets the rules (letters and digits, long enough, not common)
    and is easy to read out."""
    length = max(length, policy.min_length if policy else 0)
    while True:
        candidate = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(length))
        if (
            re.search(r"\d", candidate)
            and re.search(r"[A-Za-z]", candidate)
            and not is_common_password(candidate)
        ):
            return candidate


def check_password_rules(
    password: str, policy: PasswordPolicy, employee_no: str = "", name: str = ""
) -> None:
    """Refuse a password that is short, lacks letters or digits, is common (or a common word with
    digits or symbols around it), or holds the person's 工号 or name (in any case)."""
    if len(password) < policy.min_length:
        raise DomainError(_("密码至少 %(n)d 位。", n=policy.min_length), field="password")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise DomainError(_("密码须同时包含字母和数字。"), field="password")
    lowered = password.lower()
    if employee_no and employee_no.lower() in lowered:
        raise DomainError(_("密码不能包含工号。"), field="password")
    if any(part in lowered for part in _name_parts(name)):
        raise DomainError(_("密码不能包含姓名。"), field="password")
    if is_common_password(password):
        raise DomainError(_("这个密码太常见，很容易被猜中，请换一个。"), field="password")


def set_password(user: User, password: str, policy: PasswordPolicy, now: datetime) -> None:
    """Every password set goes through the rules: chosen ones (own change, ``create-admin``)
    and generated ones alike."""
    check_password_rules(password, policy, user.employee_no, user.name)
    user.password_hash = passwords.hash_password(password, policy.method)
    user.password_changed_at = now
    revoke_sessions(user)


def revoke_sessions(user: User) -> None:
    """End every session of ``user``: each session and remember-me cookie carries the account's
    session_version in its id, so all of them, copies included, stop working at once."""
    user.session_version += 1


# --- sign-in -------------------------------------------------------------------------------


def _user_key(employee_no: str) -> str:
    return f"user:{employee_no.strip().lower()}"[:100]


def _address_key(remote_addr: str) -> str:
    return f"ip:{remote_addr}"[:100]


def _locked_until(row: LoginThrottle | None, now: datetime) -> datetime | None:
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def _count_failure(
    session: Session, key: str, limit: int, limits: LoginLimits, now: datetime
) -> datetime | None:
    """Count one failure for ``key``; when that makes ``limit``, lock it and return until when."""
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        session.add(row)
    if row.failures == 0 or now - row.window_started_at > limits.window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures < limit:
        return None
    row.locked_until, row.failures = now + limits.lockout, 0
    return row.locked_until


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password, made once per process and method: checking an unknown
    number against it costs what checking a real account's password does."""
    return passwords.hash_password(secrets.token_urlsafe(16), method)


def authenticate(
    session: Session,
    employee_no: str,
    password: str,
    remote_addr: str,
    limits: LoginLimits,
    now: datetime,
) -> User:
    """Check a sign-in; count failures per account and per address, each on its own.

    An account with ``max_failures`` recent failures is locked, from every address and even for
    the right password, until the lock ends. An address with ``ip_max_failures`` recent failures
    (e.g. one trying many numbers) is refused for as long, whichever account it names, but that
    locks no account: everybody else signs in as usual. Behind a load balancer the address is
    the client's only when TRUSTED_PROXIES is set (see config).

    Every number costs one password-hash check, known or not (an unknown one is checked against
    a dummy hash), so the time taken does not tell which numbers exist.

    A right password whose stored hash is not of the configured method and parameters (made
    under an earlier setting, e.g. scrypt before argon2id) is stored again under it, in the
    caller's transaction: the same password, so no session ends and password_changed_at stays.

    :raises LoginLocked: while the account (``scope`` "account") or the address ("address") is
        locked
    :raises BadCredentials: unknown number, wrong password or deactivated account (one message,
        so the form does not reveal which numbers exist); a demo account where they are not
        allowed (``limits.allow_demo_accounts``), with its own message once its (public)
        password is given
    """
    employee_no = employee_no.strip()
    user_key, address_key = _user_key(employee_no), _address_key(remote_addr)
    until = _locked_until(session.get(LoginThrottle, address_key), now)
    if until is not None:
        raise LoginLocked(until, "address")
    until = _locked_until(session.get(LoginThrottle, user_key), now)
    if until is not None:
        raise LoginLocked(until, "account")
    user = find_user(session, employee_no)
    stored_hash = user.password_hash if user is not None else _dummy_hash(limits.hash_method)
    password_ok = passwords.verify_password(stored_hash, password)  # same work for every number
    if user is not None and password_ok and user.active:
        if user.is_demo and not limits.allow_demo_accounts:  # its password is public
            audit.record(session, user.id, "login.demo_refused", f"user:{user.id}")
            raise BadCredentials(_("演示账号在此环境中不能登录。"))
        if passwords.needs_rehash(user.password_hash, limits.hash_method):
            # The same password under the configured method: not a change of password, so
            # sessions and password_changed_at stay as they are.
            user.password_hash = passwords.hash_password(password, limits.hash_method)
        user_row = session.get(LoginThrottle, user_key)
        if user_row is not None:
            session.delete(user_row)
        return user
    account_until = _count_failure(session, user_key, limits.max_failures, limits, now)
    address_until = _count_failure(session, address_key, limits.ip_max_failures, limits, now)
    session.flush()
    for key, until in ((user_key, account_until), (address_key, address_until)):
        if until is not None:
            audit.record(session, user.id if user else None, "login.locked", key)
            raise LoginLocked(until, "account" if key == user_key else "address")
    raise BadCredentials(_("工号或密码错误。"))


def unlock(session: Session, actor_id: int, user: User) -> None:
    row = session.get(LoginThrottle, _user_key(user.employee_no))
    if row is not None:
        session.delete(row)
    audit.record(session, actor_id, "user.unlock", f"user:{user.id}")


def is_locked(session: Session, user: User, now: datetime) -> datetime | None:
    return _locked_until(session.get(LoginThrottle, _user_key(user.employee_no)), now)


# --- users ---------------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise DomainError(_("用户不存在。"))
    return user


def find_user(session: Session, employee_no: str) -> User | None:
    """The user with this 工号, whatever its case: 工号 are unique regardless of case (a unique
    index on lower(employee_no) keeps it so), and "o0002" is "O0002"."""
    return session.scalar(
        select(User).where(func.lower(User.employee_no) == employee_no.strip().lower())
    )


def set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = {Role(r) for r in roles}
    if not wanted:
        raise DomainError(_("至少选择一个角色。"), field="roles")
    user.role_rows = [r for r in user.role_rows if Role(r.role) in wanted] + [
        UserRole(role=role.value) for role in sorted(wanted - user.roles)
    ]


def create_user(
    session: Session,
    *,
    employee_no: str,
    name: str,
    roles: Iterable[Role],
    password: str,
    policy: PasswordPolicy,
    now: datetime,
    org_unit: OrgUnit | None = None,
    position: str = "",
    must_change_password: bool = True,
    actor_id: int | None = None,
    email: str | None = None,
) -> User:
    employee_no = employee_no.strip()
    if not EMPLOYEE_NO.match(employee_no):
        raise DomainError(_("工号只能由字母、数字、-、_ 组成（最多 32 位）。"), field="employee_no")
    existing = find_user(session, employee_no)
    if existing is not None:  # also when it differs only in case: "o0002" is "O0002"
        raise DomainError(_("工号 %(no)s 已存在。", no=existing.employee_no), field="employee_no")
    user = User(
        employee_no=employee_no,
        name=name.strip(),
        org_unit=org_unit,
        position=position.strip(),
        email=clean_email(email),
        must_change_password=must_change_password,
        password_hash="",
        session_version=0,
        active=True,
    )
    set_password(user, password, policy, now)
    set_roles(user, roles)
    session.add(user)
    session.flush()
    audit.record(session, actor_id, "user.create", f"user:{user.id}", employee_no=employee_no)
    return user


def update_user(
    session: Session,
    user: User,
    *,
    name: str,
    roles: Iterable[Role],
    org_unit: OrgUnit | None,
    position: str,
    actor_id: int,
    now: datetime,
    email: str | None = None,
) -> None:
    """Save the admin's edit of an account. A change of unit or position is announced
    (``events.person_changed``, dated today in Beijing), so a tracked person's history gets a
    dated move instead of a rewrite.

    :raises DomainError: for taking one's own administrator role, a bad e-mail address, or a
        change the history refuses
    """
    roles = set(roles)
    if user.id == actor_id and Role.ADMIN not in roles and Role.ADMIN in user.roles:
        raise DomainError(_("不能撤销自己的管理员角色。"), field="roles")
    before = (user.org_unit_id, user.position)
    user.email = clean_email(email)
    user.name, user.org_unit, user.position = name.strip(), org_unit, position.strip()
    set_roles(user, roles)
    session.flush()
    audit.record(session, actor_id, "user.update", f"user:{user.id}", roles=sorted(roles))
    if (user.org_unit_id, user.position) != before:
        events.announce(
            session,
            events.PersonChanged(
                user_id=user.id,
                hired_on=None,
                position=user.position,
                unit_id=user.org_unit_id,
                effective_on=now.astimezone(DISPLAY_TZ).date(),
                by=actor_id,
                now=now,
                source="admin",
            ),
        )


def set_active(session: Session, user: User, active: bool, actor_id: int) -> None:
    if user.id == actor_id and not active:
        raise DomainError(_("不能停用自己的账号。"))
    user.active = active
    if not active:
        revoke_sessions(user)  # signs the user out everywhere
    audit.record(
        session, actor_id, "user.activate" if active else "user.deactivate", f"user:{user.id}"
    )


def reset_password(
    session: Session, user: User, policy: PasswordPolicy, now: datetime, actor_id: int
) -> str:
    """Give the user a temporary password that must be changed at the next sign-in."""
    temp = temporary_password(policy)
    set_password(user, temp, policy, now)
    user.must_change_password = True
    unlock(session, actor_id, user)
    audit.record(session, actor_id, "user.reset_password", f"user:{user.id}")
    return temp


def change_own_password(
    session: Session, user: User, current: str, new: str, policy: PasswordPolicy, now: datetime
) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise DomainError(_("当前密码不正确。"), field="current_password")
    if passwords.verify_password(user.password_hash, new):
        raise DomainError(_("新密码不能与当前密码相同。"), field="password")
    set_password(user, new, policy, now)
    user.must_change_password = False
    audit.record(session, user.id, "user.change_password", f"user:{user.id}")


# --- org units -----------------------------------------------------------------------------


def _check_parent(kind: OrgKind, parent: OrgUnit | None) -> None:
    wanted = ORG_KIND_PARENT[kind]
    got = OrgKind(parent.kind) if parent is not None else None
    if wanted != got:
        raise DomainError(_("该类型单位的上级单位类型不正确。"), field="parent_id")


def save_org_unit(
    session: Session,
    unit: OrgUnit | None,
    *,
    code: str,
    name: str,
    kind: OrgKind,
    parent: OrgUnit | None,
    actor_id: int | None,
) -> OrgUnit:
    """Create (``unit`` is None) or edit an org unit, keeping the tree's levels and no cycles."""
    _check_parent(kind, parent)
    node = parent
    while node is not None:
        if unit is not None and node.id == unit.id:
            raise DomainError(_("不能把单位移到它自己的下级单位中。"), field="parent_id")
        node = node.parent
    clash = session.scalar(select(OrgUnit).where(OrgUnit.code == code.strip()))
    if clash is not None and clash is not unit:
        raise DomainError(_("单位编码 %(code)s 已存在。", code=code), field="code")
    parent_id = parent.id if parent else None
    same_parent = (
        OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id
    )
    sibling = session.scalar(select(OrgUnit).where(same_parent, OrgUnit.name == name.strip()))
    if sibling is not None and sibling is not unit:
        raise DomainError(_("同一上级下已有名为“%(name)s”的单位。", name=name), field="name")
    if unit is None:
        unit = OrgUnit()
        session.add(unit)
    unit.code, unit.name, unit.kind, unit.parent = code.strip(), name.strip(), kind.value, parent
    session.flush()
    audit.record(session, actor_id, "org_unit.save", f"org_unit:{unit.id}", name=unit.name)
    return unit


def org_tree(session: Session) -> list[tuple[int, OrgUnit]]:
    """All units depth-first, each with its depth, for indented lists and select boxes."""
    units = session.scalars(select(OrgUnit).order_by(OrgUnit.name)).all()
    return depth_first(units, lambda u: u.id, lambda u: u.parent_id)
