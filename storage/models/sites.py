"""Sites, people, their roles and invites."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.codes import Register, Role
from storage.models.columns import Coded


class Site(SQLModel, table=True):
    """A property site with its duty group chat and its policy overrides."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=200)
    language: str = Field(default="zh-Hans", max_length=8)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    duty_chat_id: int | None = Field(default=None, unique=True, sa_type=BigInteger)
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class RegisterCounter(SQLModel, table=True):
    """The next number of one register (incidents, tickets, orders, requests) at one site: each
    register counts on its own, so the daily log has no gaps and #8 names one record (issue 19)."""

    __tablename__ = "register_counter"
    site_id: int = Field(foreign_key="site.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    # the column is named ``register``; the attribute is not (pydantic's BaseModel has a ``register``)
    kind: Register = Field(sa_column=Column("register", Coded(Register, 16), primary_key=True))
    next_number: int = 1


class Person(SQLModel, table=True):
    """Anyone who has written to the bot; ``reachable`` once they opened a private chat with it."""

    telegram_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    name: str = Field(default="", max_length=200)
    username: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    reachable: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Member(SQLModel, table=True):
    """A role of a person at a site (SPEC §1: roles are per site)."""

    __table_args__ = (UniqueConstraint("telegram_id", "site_id"),)
    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger, index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    role: Role = Field(sa_type=Coded(Role, 16))
    added_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """A one-time deep link code that binds a role at a site when used with /start."""

    code: str = Field(primary_key=True, max_length=32)
    site_id: int = Field(foreign_key="site.id")
    role: Role = Field(sa_type=Coded(Role, 16))
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    used_at: datetime | None = None
