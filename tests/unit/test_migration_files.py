"""Migration files are named in the order they apply, so a listing reads as the history."""

from pathlib import Path

from alembic.script import ScriptDirectory

from shop import ROOT

MIGRATIONS = ROOT / "shop" / "migrations"


def test_migration_files_sort_in_the_order_they_apply():
    scripts = ScriptDirectory(str(MIGRATIONS))
    applied = [Path(script.path).name for script in reversed(list(scripts.walk_revisions()))]
    assert applied == sorted(applied)
    assert all(name[:4].isdigit() and name[4] == "_" for name in applied)


def test_the_history_is_one_line_from_the_first_migration_to_one_head():
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_bases()) == 1 and len(scripts.get_heads()) == 1
