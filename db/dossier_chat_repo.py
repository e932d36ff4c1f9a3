"""What one chat did with dossiers, in the database so that every replica sees it: the codes it asked
about (the enumeration limit), its wrong second-factor answers (the failed-verification limits: per
chat, and per dossier code across all chats), and the dossiers it unlocked with a right answer (for
a while)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from db.engine import Database
from db.models.dossiers import DossierAccess, DossierLookup, DossierVerifyFailure

KEEP = timedelta(days=1)  # older rate-limit rows are removed when the chat writes new ones


def _insert(db: Database):
    return pg_insert if db.is_postgres else sqlite_insert


async def codes_asked_since(db: Database, channel: str, chat_id: str, since: datetime) -> set[str]:
    async with db.session() as session:
        rows = await session.scalars(
            select(DossierLookup.code).where(
                DossierLookup.channel == channel, DossierLookup.chat_id == chat_id, DossierLookup.at >= since
            )
        )
        return set(rows)


async def record_lookup(db: Database, channel: str, chat_id: str, code: str, at: datetime) -> None:
    stmt = _insert(db)(DossierLookup).values(channel=channel, chat_id=chat_id, code=code, at=at)
    stmt = stmt.on_conflict_do_update(index_elements=["channel", "chat_id", "code"], set_={"at": stmt.excluded.at})
    async with db.transaction() as session:
        await session.execute(stmt)
        await session.execute(delete(DossierLookup).where(
            DossierLookup.channel == channel, DossierLookup.chat_id == chat_id, DossierLookup.at < at - KEEP
        ))


async def failures_since(db: Database, channel: str, chat_id: str, since: datetime) -> int:
    async with db.session() as session:
        return await session.scalar(
            select(func.count()).select_from(DossierVerifyFailure).where(
                DossierVerifyFailure.channel == channel, DossierVerifyFailure.chat_id == chat_id,
                DossierVerifyFailure.at >= since,
            )
        ) or 0


async def oldest_failure_since(db: Database, channel: str, chat_id: str, since: datetime) -> datetime | None:
    async with db.session() as session:
        return await session.scalar(
            select(func.min(DossierVerifyFailure.at)).where(
                DossierVerifyFailure.channel == channel, DossierVerifyFailure.chat_id == chat_id,
                DossierVerifyFailure.at >= since,
            )
        )


async def code_failures_since(db: Database, code: str, since: datetime) -> int:
    """Wrong answers for one dossier from every chat (a new chat, or a new web session, does not
    start again from zero)."""
    async with db.session() as session:
        return await session.scalar(
            select(func.count()).select_from(DossierVerifyFailure).where(
                DossierVerifyFailure.code == code, DossierVerifyFailure.at >= since,
            )
        ) or 0


async def client_failures_since(db: Database, client: str, since: datetime) -> int:
    """Wrong answers from one client network, whatever the session or channel."""
    async with db.session() as session:
        return await session.scalar(
            select(func.count()).select_from(DossierVerifyFailure).where(
                DossierVerifyFailure.client == client, DossierVerifyFailure.at >= since,
            )
        ) or 0


async def last_code_failure_since(db: Database, code: str, since: datetime) -> datetime | None:
    async with db.session() as session:
        return await session.scalar(
            select(DossierVerifyFailure.at).where(DossierVerifyFailure.code == code, DossierVerifyFailure.at >= since)
            .order_by(DossierVerifyFailure.at.desc()).limit(1)
        )


async def record_failure(db: Database, channel: str, chat_id: str, code: str, at: datetime,
                         client: str | None = None) -> None:
    async with db.transaction() as session:
        session.add(DossierVerifyFailure(channel=channel, chat_id=chat_id, code=code, at=at, client=client))
        for mine in ((DossierVerifyFailure.channel == channel) & (DossierVerifyFailure.chat_id == chat_id),
                     DossierVerifyFailure.code == code):
            await session.execute(delete(DossierVerifyFailure).where(mine, DossierVerifyFailure.at < at - KEEP))


async def grant_access(db: Database, channel: str, chat_id: str, code: str, until: datetime) -> None:
    stmt = _insert(db)(DossierAccess).values(channel=channel, chat_id=chat_id, code=code, until=until)
    stmt = stmt.on_conflict_do_update(index_elements=["channel", "chat_id", "code"], set_={"until": stmt.excluded.until})
    async with db.transaction() as session:
        await session.execute(stmt)


async def has_access(db: Database, channel: str, chat_id: str, code: str, now: datetime) -> bool:
    async with db.session() as session:
        until = await session.scalar(
            select(DossierAccess.until).where(
                DossierAccess.channel == channel, DossierAccess.chat_id == chat_id, DossierAccess.code == code
            )
        )
    return until is not None and until > now
