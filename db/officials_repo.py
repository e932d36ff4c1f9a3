"""Officials, their one-time invites and their linked chats.

An invite code is 12 characters from an alphabet without look-alikes (``ABCD-EFGH-JKMN``, about 60
bits): only its SHA-256 is stored, it works once, for ``INVITE_TTL``. Redeeming is one conditional
UPDATE (used_at still empty, not expired), so two chats racing with the same code cannot both win.
A chat belongs to at most one official; linking it again moves it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.base import utcnow
from db.models.officials import ROLES, Official, OfficialChat, OfficialInvite
from knowledge.agency import covers, depth, normalise
from knowledge.channels import PUSH_CHANNELS
from knowledge.text import canon, clean

INVITE_TTL = timedelta(hours=72)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0, 1
CODE_LENGTH = 12
CHANNEL_PREFERENCE = PUSH_CHANNELS  # reminders go to Telegram first (Zalo's 7-day window): knowledge/channels.py


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


def new_link_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_link_code(text: str) -> str:
    """What the official typed, as stored: upper case, without spaces and dashes."""
    return "".join(ch for ch in clean(text).upper() if ch.isalnum())


def hash_link_code(code: str) -> str:
    return hashlib.sha256(normalise_link_code(code).encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    official: Official
    code: str  # shown once, never stored
    expires_at: datetime
    created: bool  # a new official (False: another invite for an existing one)


def _same_name(a: str, b: str) -> bool:
    """The same name typed again (case, spacing, tone placement aside). Accents count: "Lê Văn Hưng"
    is not "Lê Văn Hùng" — two people, never one official."""
    return " ".join(canon(a).split()) == " ".join(canon(b).split())


async def create_invite(
    db: Database, *, agency_code: str, name: str, role: str | None = None, official_id: int | None = None,
    now: datetime | None = None,
) -> Invite:
    """An invite for the official ``official_id``, else for the active official of this agency with
    this name (another chat for the same person), else for a new official."""
    now = now or utcnow()
    name = " ".join(clean(name).split())
    agency = normalise(agency_code)
    if role is not None and role not in ROLES:
        raise ValueError(f"vai trò phải là officer hoặc head / role must be officer or head, not {role!r}")
    async with db.transaction() as session:
        official = None
        if official_id is not None:
            official = await session.get(Official, official_id)
            if official is None or not official.active:
                raise LookupError(f"không có cán bộ #{official_id} đang hoạt động / no active official #{official_id}")
        else:
            if not name:
                raise ValueError("cần họ tên / a name is required")
            if not agency:
                raise ValueError("cần mã cơ quan / an agency code is required")
            candidates = await session.scalars(
                select(Official).where(Official.agency_code == agency, Official.active.is_(True))
            )
            official = next((o for o in candidates if _same_name(o.name, name)), None)
        created = official is None
        if official is None:
            official = Official(agency_code=agency, name=name, role=role or "officer", muted=False, active=True,
                                created_at=now)
            session.add(official)
            await session.flush()
        elif role is not None:
            official.role = role
        code = new_link_code()
        expires = now + INVITE_TTL
        session.add(OfficialInvite(official_id=official.id, code_hash=hash_link_code(code), expires_at=expires,
                                   created_at=now))
    return Invite(official, code, expires, created)


async def redeem_invite(db: Database, code: str, channel: str, chat_id: str, now: datetime | None = None) -> Official | None:
    """Link the chat to the invite's official; None for an unknown, used or expired code (the same
    answer for each, so a guess learns nothing)."""
    now = now or utcnow()
    if len(normalise_link_code(code)) != CODE_LENGTH:
        return None
    async with db.transaction() as session:
        official_id = await session.scalar(
            update(OfficialInvite)
            .where(OfficialInvite.code_hash == hash_link_code(code), OfficialInvite.used_at.is_(None),
                   OfficialInvite.expires_at > now)
            .values(used_at=now)
            .returning(OfficialInvite.official_id)
        )
        if official_id is None:
            return None
        official = await session.get(Official, official_id)
        if official is None or not official.active:
            return None
        stmt = _insert(db)(OfficialChat).values(channel=channel, chat_id=chat_id, official_id=official_id,
                                                linked_at=now, last_seen_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[OfficialChat.channel, OfficialChat.chat_id],
            set_={"official_id": stmt.excluded.official_id, "linked_at": now, "last_seen_at": now},
        )
        await session.execute(stmt)
    return official


async def official_for_chat(db: Database, channel: str, chat_id: str, *, seen_at: datetime | None = None) -> Official | None:
    """The active official this chat is linked to (and note that they used it now)."""
    async with db.session() as session:
        official = await session.scalar(
            select(Official).join(OfficialChat, OfficialChat.official_id == Official.id)
            .where(OfficialChat.channel == channel, OfficialChat.chat_id == chat_id, Official.active.is_(True))
        )
    if official is not None and seen_at is not None:
        async with db.transaction() as session:
            await session.execute(
                update(OfficialChat).where(OfficialChat.channel == channel, OfficialChat.chat_id == chat_id)
                .values(last_seen_at=seen_at)
            )
    return official


async def linked_official(db: Database, official_id: int, channel: str, chat_id: str) -> Official | None:
    """The official ``official_id`` if they are still active and this chat is still theirs (the
    outbox asks before sending an official's message: revoked, or the chat linked to someone else
    since, and the message must not go there)."""
    async with db.session() as session:
        return await session.scalar(
            select(Official).join(OfficialChat, OfficialChat.official_id == Official.id)
            .where(Official.id == official_id, Official.active.is_(True), OfficialChat.channel == channel,
                   OfficialChat.chat_id == chat_id)
        )


def preferred(chats: list[OfficialChat]) -> list[OfficialChat]:
    """Where a reminder goes first: Telegram, then the chat used most recently."""
    def rank(c: OfficialChat):
        order = CHANNEL_PREFERENCE.index(c.channel) if c.channel in CHANNEL_PREFERENCE else len(CHANNEL_PREFERENCE)
        return (order, -c.last_seen_at.timestamp(), c.chat_id)

    return sorted(chats, key=rank)


async def chats_of(db: Database, official_id: int) -> list[OfficialChat]:
    async with db.session() as session:
        rows = list(await session.scalars(select(OfficialChat).where(OfficialChat.official_id == official_id)))
    return preferred(rows)


@dataclass(frozen=True)
class OfficialWithChats:
    official: Official
    chats: list[OfficialChat]  # preferred first
    pending_invites: int = 0


async def active_officials(db: Database) -> list[OfficialWithChats]:
    """Every active official with their linked chats (a small table: read whole)."""
    async with db.session() as session:
        officials = list(await session.scalars(select(Official).where(Official.active.is_(True)).order_by(Official.id)))
        chats = list(await session.scalars(select(OfficialChat)))
    by_official: dict[int, list[OfficialChat]] = {}
    for chat in chats:
        by_official.setdefault(chat.official_id, []).append(chat)
    return [OfficialWithChats(o, preferred(by_official.get(o.id, []))) for o in officials]


async def list_officials(db: Database, *, now: datetime | None = None, include_revoked: bool = True) -> list[OfficialWithChats]:
    now = now or utcnow()
    async with db.session() as session:
        stmt = select(Official).order_by(Official.agency_code, Official.id)
        if not include_revoked:
            stmt = stmt.where(Official.active.is_(True))
        officials = list(await session.scalars(stmt))
        chats = list(await session.scalars(select(OfficialChat)))
        pending = dict((await session.execute(
            select(OfficialInvite.official_id, func.count())
            .where(OfficialInvite.used_at.is_(None), OfficialInvite.expires_at > now)
            .group_by(OfficialInvite.official_id)
        )).all())
    by_official: dict[int, list[OfficialChat]] = {}
    for chat in chats:
        by_official.setdefault(chat.official_id, []).append(chat)
    return [OfficialWithChats(o, preferred(by_official.get(o.id, [])), pending.get(o.id, 0)) for o in officials]


async def revoke_official(db: Database, official_id: int, now: datetime | None = None) -> bool:
    """Deactivate the official: their chats are unlinked and their invites stop working. False when
    there is no such active official."""
    now = now or utcnow()
    async with db.transaction() as session:
        done = await session.execute(
            update(Official).where(Official.id == official_id, Official.active.is_(True))
            .values(active=False, revoked_at=now)
        )
        if not done.rowcount:
            return False
        await session.execute(delete(OfficialChat).where(OfficialChat.official_id == official_id))
        await session.execute(
            update(OfficialInvite).where(OfficialInvite.official_id == official_id, OfficialInvite.used_at.is_(None))
            .values(expires_at=now)
        )
    return True


async def set_muted(db: Database, official_id: int, muted: bool) -> None:
    async with db.transaction() as session:
        await session.execute(update(Official).where(Official.id == official_id).values(muted=muted))


def covering(officials: list[OfficialWithChats], agency_code: str) -> list[OfficialWithChats]:
    """The officials whose scope includes the agency (``knowledge.agency.covers``)."""
    return [o for o in officials if covers(o.official.agency_code, agency_code)]


def responsible(officials: list[OfficialWithChats], agency_code: str) -> list[OfficialWithChats]:
    """Who answers for a dossier of this agency: the covering officials of the most specific agency
    (the receiving agency itself if it has any), officers before heads."""
    found = covering(officials, agency_code)
    if not found:
        return []
    best = max(depth(o.official.agency_code) for o in found)
    nearest = [o for o in found if depth(o.official.agency_code) == best]
    officers = [o for o in nearest if o.official.role == "officer"]
    return officers or nearest
