"""The catalogue service: seeding, reload on change, and the on-disk index cache."""

from __future__ import annotations

import handlers.catalogue as catalogue_module
from db.catalogue_repo import upsert_procedures
from handlers.catalogue import Catalogue, IndexCache
from knowledge.catalogue.bundled import load_bundled


async def test_an_empty_database_is_seeded_with_the_bundled_catalogue(db):
    catalogue = await Catalogue.load(db)
    assert len(catalogue.index) == 40
    assert catalogue.index.search("đăng ký khai sinh", 1)[0].code == "1.001193"


async def test_a_changed_catalogue_is_picked_up_and_an_unchanged_one_is_not_rebuilt(db):
    catalogue = await Catalogue.load(db)
    assert await catalogue.refresh(db) is False
    birth = next(p for p in load_bundled() if p.code == "1.001193")
    await upsert_procedures(db, [birth.model_copy(update={"code": "9.999999", "name": "Thủ tục thử nghiệm nuôi ong mật"})])
    assert await catalogue.refresh(db) is True
    assert catalogue.index.search("nuôi ong mật", 1)[0].code == "9.999999"


async def test_the_index_cache_spares_the_rebuild_and_is_invalidated_by_a_change(db, tmp_path, monkeypatch):
    cache = IndexCache(tmp_path / "cache")
    first = await Catalogue.load(db, cache=cache)
    assert list((tmp_path / "cache").glob("search-index-*.pickle"))

    def no_build(procedures):
        raise AssertionError("the index should have come from the cache")

    monkeypatch.setattr(catalogue_module, "build_index", no_build)
    second = await Catalogue.load(db, cache=cache)
    assert second.version == first.version
    assert second.index.search("làm lại căn cước bị mất", 1)[0].code == "1.014064"

    monkeypatch.undo()
    birth = next(p for p in load_bundled() if p.code == "1.001193")
    await upsert_procedures(db, [birth.model_copy(update={"code": "9.999998", "name": "Thủ tục thử nghiệm nuôi tằm"})])
    third = await Catalogue.load(db, cache=cache)
    assert third.index.get("9.999998") is not None
    assert len(list((tmp_path / "cache").glob("search-index-*.pickle"))) == 1  # only the latest is kept


async def test_a_corrupt_cache_file_is_rebuilt_not_fatal(db, tmp_path):
    cache = IndexCache(tmp_path)
    catalogue = await Catalogue.load(db, cache=cache)
    (path,) = tmp_path.glob("search-index-*.pickle")
    path.write_bytes(b"not a pickle")
    again = await Catalogue.load(db, cache=cache)
    assert again.version == catalogue.version and len(again.index) == 40
