"""``motcua catalogue import`` as a user runs it: real files, the configured SQLite database."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import get_settings
from db.catalogue_repo import get_procedure
from db.engine import Database


@pytest.fixture
def motcua(tmp_path, monkeypatch):
    """Run ``motcua ...`` against a fresh data directory (its own SQLite database)."""
    monkeypatch.setenv("MOTCUA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MOTCUA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(main, list(map(str, args)))
    get_settings.cache_clear()


def test_import_then_reimport_changes_nothing(motcua, shared_dir):
    catalogue = shared_dir / "catalogue"
    paths = [catalogue / "opengov" / "procedures", catalogue / "opengov" / "portal-api", catalogue / "bqp"]
    first = motcua("catalogue", "import", *paths)
    assert first.exit_code == 0, first.output
    assert "inserted 709" in first.output  # 502 OpenGOV (their portal-API twins merged in) + 207 bqp
    assert "opengov" in first.output and "portal-api" in first.output and "Time:" in first.output

    second = motcua("catalogue", "import", *paths)
    assert second.exit_code == 0, second.output
    assert "inserted 0, cập nhật / updated 0, không đổi / unchanged 709" in second.output


def test_a_poorer_source_imported_later_keeps_the_richer_record(motcua, shared_dir):
    """A names-only list imported after the detailed records fills what they lack (kind, portal
    page) but never replaces their documents, fees or times; importing it again changes nothing."""
    catalogue = shared_dir / "catalogue"
    assert motcua("catalogue", "import", catalogue / "opengov" / "procedures").exit_code == 0
    later = motcua("catalogue", "import", catalogue / "opengov" / "catalog.jsonl")
    assert later.exit_code == 0, later.output
    again = motcua("catalogue", "import", catalogue / "opengov" / "catalog.jsonl")
    assert "updated 0," in again.output and "inserted 0," in again.output, again.output
    async def stored():
        db = Database(get_settings().resolved_database_url)
        try:
            return await get_procedure(db, "1.001193")
        finally:
            await db.dispose()
    birth = asyncio.run(stored())
    assert birth.source == "opengov" and birth.detailed and birth.documents and birth.channels
    assert birth.kind == "STANDARD" and birth.portal_url


def test_exit_code_is_non_zero_only_when_nothing_usable_was_found(motcua, tmp_path, shared_dir):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.json").write_bytes(b"")
    (bad / "array.json").write_text("[]", encoding="utf-8")
    (bad / "truncated.json").write_text('{"code": "1.000080", "name": "Thủ t', encoding="utf-8")
    result = motcua("catalogue", "import", bad, tmp_path / "does-not-exist")
    assert result.exit_code == 1
    assert "No usable procedure" in result.output
    for reason in ("empty file", "unknown format", "unreadable JSON", "not found"):
        assert reason in result.output

    shutil.copy(shared_dir / "catalogue" / "opengov" / "procedures" / "1.000080.json", bad / "good.json")
    mixed = motcua("catalogue", "import", bad)
    assert mixed.exit_code == 0, mixed.output
    assert "inserted 1" in mixed.output and "unreadable JSON" in mixed.output


def test_wrong_pages_are_reported_with_examples(motcua, shared_dir):
    result = motcua("catalogue", "import", shared_dir / "catalogue" / "portal-raw" / "bo-cong-an")
    assert result.exit_code == 0, result.output
    assert "code mismatch" in result.output and "its page" in result.output
    assert "inserted 323" in result.output  # 339 files, 16 of them another procedure's page
