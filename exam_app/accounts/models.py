"""Accounts: users identified by employee number, their roles, and the org-unit tree."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exam_app.db import Base, UTCDateTime, in_check, utcnow


class Role(StrEnum):
    OPERATOR = "operator"  # 受理员: takes exams
    TRAINER = "trainer"  # 培训师: writes and reviews items, builds exams
    HR = "hr"  # 人资: reviews results, certificates, compliance
    ADMIN = "admin"  # manages accounts and org units
    #: 客服主管/班组长: sees the people of their own unit's subtree and hears when they are late
    SUPERVISOR = "supervisor"


ROLE_LABELS = {
    Role.OPERATOR: _l("受理员"),
    Role.TRAINER: _l("培训师"),
    Role.HR: _l("人资"),
    Role.ADMIN: _l("管理员"),
    Role.SUPERVISOR: _l("客服主管/班组长"),
}


class OrgKind(StrEnum):
    GRID = "grid"  # 网公司
    SUBSIDIARY = "subsidiary"  # 分子公司
    BUREAU = "bureau"  # 地区局/供电局
    TEAM = "team"  # 班组/营业厅


ORG_KIND_LABELS = {
    OrgKind.GRID: _l("网公司"),
    OrgKind.SUBSIDIARY: _l("分子公司"),
    OrgKind.BUREAU: _l("地区局/供电局"),
    OrgKind.TEAM: _l("班组/营业厅"),
}

#: Which kind of unit may sit directly under which: the tree is 网公司 → 分子公司 → 地区局 → 班组.
ORG_KIND_PARENT = {
    OrgKind.GRID: None,
    OrgKind.SUBSIDIARY: OrgKind.GRID,
    OrgKind.BUREAU: OrgKind.SUBSIDIARY,
    OrgKind.TEAM: OrgKind.BUREAU,
}


class OrgUnit(Base):
    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint(in_check("kind", OrgKind), name="kind_valid"),
        UniqueConstraint("parent_id", "name", name="uq_org_units_parent_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short unique code, e.g. "GD-GZ-TH"; rosters may name a unit by code or by path.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(
        back_populates="children", remote_side="OrgUnit.id"
    )
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    users: Mapped[list[User]] = relationship(back_populates="org_unit")

    @property
    def ancestors(self) -> list[OrgUnit]:
        chain: list[OrgUnit] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path(self) -> str:
        """Names from the root down, e.g. 南方电网/广东电网公司/广州供电局/天河营业厅."""
        return "/".join([u.name for u in self.ancestors] + [self.name])


#: 工号 are unique regardless of case ("o0002" is "O0002"): a unique index on lower(employee_no).
#: An expression index: SQLite's reflection skips it, so a later ``batch_alter_table("users")``
#: on SQLite (which copies the table) must create it again (tests/accounts/test_employee_no_case).
EMPLOYEE_NO_CASELESS_INDEX = "uq_users_employee_no_lower"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 工号, stored as first written; looked up and kept unique regardless of case.
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    position: Mapped[str] = mapped_column(String(100), default="")  # 岗位
    #: Where e-mail (tracking's reminders) goes; NULL: in-app notices only.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    #: Set by an admin reset or a roster import: the next login must choose a new password.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    #: Bumped on sign-out, password change, reset or deactivation; it is part of the session
    #: and remember-me cookies' id, so every other session (and every copied cookie) ends at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Made by ``flask demo load`` (its password is public): refused at sign-in, and its
    #: sessions end, wherever ALLOW_DEMO_DATA is off (production).
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())

    org_unit: Mapped[OrgUnit | None] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


Index(EMPLOYEE_NO_CASELESS_INDEX, func.lower(User.employee_no), unique=True)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(in_check("role", Role), name="role_valid"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginThrottle(Base):
    """Failed-login counter for one account or one source address (``user:<工号>``, ``ip:<addr>``).

    Kept in the database, not in process memory, so every app server behind the balancer sees it.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
