"""The reminder sweep: what to remind whom, today. Plans messages in the outbox; sends nothing.

One run (``run_sweep``), under the "reminder-sweep" lock (PostgreSQL advisory lock: with several
replicas one sweeps, the others skip):

1. the active officials with a linked chat, and those inside their agency's office hours on a
   working day (all of them with ``ignore_quiet_hours``);
2. the digests still to plan today: one per official per kind per working day — due soon
   (within N working days), due today, overdue — unless muted, and for heads the escalation
   (overdue by more than M working days); a digest already in the outbox is not planned again,
   and nothing is read for it;
3. apology drafts for the running dossiers of those officials' agencies that are overdue, due
   today or due soon and have neither a letter nor a new date (one ``INSERT ... SELECT`` per agency
   and default new date) — also for the agencies of muted officials (muting stops messages, not
   the letter the law owes the citizen; with no digest to tell "done today", their drafting runs
   every sweep, idempotent);
4. per official and kind, the count and the first dossiers (``db.sweep_repo.bucket``: an index
   range over the official's agency codes), then the digest's outbox row and its reminder rows
   (unique per dossier, official, kind, working day; written by ``INSERT ... SELECT``) in ONE
   transaction;
5. the citizens' "due on the next working day" notices for subscribed dossiers;
6. citizens' feedback (PAKN, ``handlers.feedback_sweep``): "due soon" and "overdue" reminders,
   once each per item, and one digest per official per working day of the open items they see.

Running it again the same day plans nothing new: every digest key exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from db.apology_repo import apologies_for
from db.engine import Database
from db.locks import try_lock
from db.officials_repo import OfficialWithChats, active_officials, responsible
from db.outbox_repo import Planned, enqueue, enqueue_in, existing_keys
from db.subscriptions_repo import subscribed_due_between
from db.sweep_repo import Bucket, bucket, draft_apologies_between, record_reminders_in, running_agencies
from handlers.apology_letter import DEFAULT_REASON, close_of
from handlers.citizen_notices import due_soon_notice
from handlers.feedback_sweep import plan_feedback
from handlers.official_view import digest_reply, dossier_item
from handlers.quiet_hours import allowed_from
from handlers.reminder_settings import ReminderSettings
from handlers.reply_json import replies_to_json
from knowledge.agency import covers
from knowledge.calendar import WorkingCalendar, to_local
from knowledge.reminder_windows import Windows, day_of, in_office_hours, local_day_bounds, next_opening, windows

log = logging.getLogger(__name__)

OFFICER_KINDS = ("due_soon", "due_today", "overdue")
LOCK = "reminder-sweep"


def digest_key(official_id: int, kind: str, day: date) -> str:
    return f"digest:{day.isoformat()}:{official_id}:{kind}"


@dataclass
class SweepReport:
    day: date | None = None
    locked_out: bool = False  # another replica is sweeping
    quiet: bool = False  # outside every official's office hours: nothing planned
    next_opening: datetime | None = None
    officials: int = 0  # with a linked chat, inside office hours
    agencies: int = 0  # agencies whose dossiers were selected
    selected: int = 0  # dossiers read
    digests: int = 0
    reminders: int = 0
    drafts: int = 0
    citizen_notices: int = 0
    feedback_reminders: int = 0
    feedback_digests: int = 0

    @property
    def planned(self) -> int:
        return self.digests + self.citizen_notices + self.feedback_reminders + self.feedback_digests

    def summary(self) -> str:
        if self.locked_out:
            return "Một bản khác đang quét nhắc việc; lần này bỏ qua. / Another replica is sweeping; skipped."
        if self.quiet:
            opening = f"{self.next_opening:%H:%M %d/%m/%Y}" if self.next_opening else "?"
            return (f"Ngoài giờ làm việc: chưa lập nhắc việc nào (mở lại {opening}); dùng --ignore-quiet-hours để gửi ngay. "
                    f"/ Outside working hours: nothing planned (next opening {opening}).")
        return (f"Ngày {self.day:%d/%m/%Y}: {self.digests} bản nhắc ({self.reminders} lượt hồ sơ), {self.drafts} phiếu xin lỗi "
                f"soạn sẵn, {self.citizen_notices} tin cho công dân, {self.feedback_reminders + self.feedback_digests} tin "
                f"về phản ánh, kiến nghị; đã đọc {self.selected} hồ sơ của {self.agencies} cơ quan. "
                f"/ {self.digests} digests ({self.reminders} dossier reminders), {self.drafts} apology drafts, "
                f"{self.citizen_notices} citizen notices, {self.feedback_reminders} feedback reminders and "
                f"{self.feedback_digests} feedback digests planned; {self.selected} dossiers of {self.agencies} agencies read.")


def _kinds(o: OfficialWithChats) -> tuple[str, ...]:
    kinds = () if o.official.muted else OFFICER_KINDS
    return kinds + (("escalation",) if o.official.role == "head" else ())


def ranges(calendar: WorkingCalendar, w: Windows, escalate_after: int) -> dict[str, tuple[datetime | None, datetime]]:
    """Each kind's [lo, hi) of due times. Escalation: overdue by more than M working days, i.e. due
    before the start of the M-th working day before today."""
    cutoff_day = calendar.add_working_days(w.today, -escalate_after) if escalate_after > 0 else w.today
    cutoff = min(w.now, datetime.combine(cutoff_day, time(0), calendar.tz))
    return {"overdue": (None, w.now), "due_today": (w.now, w.today_end), "due_soon": (w.today_end, w.soon_end),
            "escalation": (None, cutoff)}


async def run_sweep(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime, *,
                    ignore_quiet_hours: bool = False) -> SweepReport:
    async with try_lock(db, LOCK) as mine:
        if not mine:
            return SweepReport(locked_out=True)
        return await _sweep(db, calendar, settings, to_local(now, calendar.tz), ignore_quiet_hours)


async def _sweep(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime,
                 ignore_quiet_hours: bool) -> SweepReport:
    day = day_of(calendar, now)
    report = SweepReport(day=day)
    everyone = [o for o in await active_officials(db) if o.chats]
    awake = [o for o in everyone if ignore_quiet_hours or in_office_hours(calendar, now, o.official.agency_code)]
    report.officials = len(awake)
    if not ignore_quiet_hours and not in_office_hours(calendar, now) and not awake:
        report.quiet, report.next_opening = True, next_opening(calendar, now)
        return report

    wanted_keys = {digest_key(o.official.id, k, day): (o, k) for o in awake for k in _kinds(o)}
    done = await existing_keys(db, wanted_keys)
    todo = {(o.official.id, k) for key, (o, k) in wanted_keys.items() if key not in done}
    if todo or any(o.official.muted for o in awake):
        await _plan_digests(db, calendar, settings, now, day, awake, everyone, todo, report, ignore_quiet_hours)
    await _plan_citizens(db, calendar, settings, now, day, ignore_quiet_hours, report)
    report.feedback_reminders, report.feedback_digests = await plan_feedback(
        db, calendar, settings, now, day, awake, everyone, digest_key=digest_key, ignore_quiet_hours=ignore_quiet_hours)
    return report


async def _plan_digests(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime, day: date,
                        awake: list[OfficialWithChats], everyone: list[OfficialWithChats], todo: set[tuple[int, str]],
                        report: SweepReport, ignore_quiet_hours: bool) -> None:
    w = windows(calendar, now, settings.due_within_days)
    spans = ranges(calendar, w, settings.escalate_after_days)
    agencies = await running_agencies(db)
    scopes = {o.official.id: tuple(a for a in agencies if covers(o.official.agency_code, a)) for o in awake}
    wanted = [o for o in awake if scopes[o.official.id] and any((o.official.id, k) in todo for k in _kinds(o))]
    drafting = {o.official.id for o in wanted} | {o.official.id for o in awake if o.official.muted}
    touched = sorted({a for o in awake if o.official.id in drafting for a in scopes[o.official.id]})
    report.agencies = len(touched)
    for agency in touched:
        report.drafts += await _draft(db, calendar, settings, now, w, agency, everyone)

    found: dict[tuple[tuple[str, ...], str], Bucket] = {}  # officials of one agency share the reading
    for o in wanted:
        oid, codes = o.official.id, scopes[o.official.id]
        for kind in _kinds(o):
            if (oid, kind) not in todo:
                continue
            lo, hi = spans[kind]
            if (codes, kind) not in found:
                found[(codes, kind)] = await bucket(db, codes, lo, hi, limit=settings.digest_list)
                report.selected += found[(codes, kind)].count
            seen = found[(codes, kind)]
            if not seen.count:
                continue
            letters = await apologies_for(db, [r.id for r in seen.first])
            items = [dossier_item(r, calendar, now, letters[r.id].status if r.id in letters else "") for r in seen.first]
            chat = o.chats[0]
            message = Planned(digest_key(oid, kind, day), kind, chat.channel, chat.chat_id,
                              replies_to_json([digest_reply(kind, day, items, seen.count, settings)]), official_id=oid,
                              any_hour=ignore_quiet_hours)
            async with db.transaction() as session:
                if not await enqueue_in(session, db, [message], now):
                    continue  # planned meanwhile (another sweep): nothing more to write
                report.reminders += await record_reminders_in(session, db, official_id=oid, kind=kind, day=day,
                                                              codes=codes, lo=lo, hi=hi, now=now)
            report.digests += 1


async def _draft(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime, w: Windows,
                 agency: str, everyone: list[OfficialWithChats]) -> int:
    """Apology drafts for the agency's dossiers that are late or about to be, grouped by their
    default new date (the later of the due date and today, plus ``apology_extra_days``)."""
    owner = responsible(everyone, agency)
    owner_id = owner[0].official.id if owner else None
    extra = max(1, settings.apology_extra_days)
    drafted = await draft_apologies_between(
        db, agency_code=agency, lo=None, hi=w.today_end, official_id=owner_id, reason=DEFAULT_REASON,
        new_due_at=close_of(calendar, calendar.add_working_days(w.today, extra), agency), now=now)
    day = w.today + timedelta(days=1)
    while True:  # due soon: one group per due day
        lo, hi = local_day_bounds(calendar, day)
        if lo >= w.soon_end:
            return drafted
        drafted += await draft_apologies_between(
            db, agency_code=agency, lo=lo, hi=min(hi, w.soon_end), official_id=owner_id, reason=DEFAULT_REASON,
            new_due_at=close_of(calendar, calendar.add_working_days(day, extra), agency), now=now)
        day += timedelta(days=1)


async def _plan_citizens(db: Database, calendar: WorkingCalendar, settings: ReminderSettings, now: datetime, day: date,
                         ignore_quiet_hours: bool, report: SweepReport) -> None:
    """"Hồ sơ của bạn sắp đến hạn": on the working day before the due date."""
    due_day = calendar.next_working_day(day)
    start, end = local_day_bounds(calendar, due_day)
    not_before = allowed_from(calendar, settings, "citizen_due_soon", now, ignore=ignore_quiet_hours)
    messages = [
        Planned(f"due_soon:{s.dossier.id}:{s.channel}:{s.chat_id}:{due_day.isoformat()}", "citizen_due_soon",
                s.channel, s.chat_id, replies_to_json([due_soon_notice(s.dossier, calendar)]), dossier_id=s.dossier.id,
                not_before=not_before, any_hour=ignore_quiet_hours)
        for s in await subscribed_due_between(db, start, end)
        if ignore_quiet_hours or in_office_hours(calendar, now, s.dossier.agency_code)
    ]
    report.citizen_notices = await enqueue(db, messages, now)
