"""`livesell catalog import` takes any file: a catalogue is imported, anything else is refused with a reason (a line
number and what is wrong, or "not UTF-8 text") and the command exits non-zero; it never ends in a traceback.

Files in other encodings (UTF-16 with its BOM, Latin-1, Shift JIS), with a UTF-8 BOM, NUL bytes, huge fields,
missing columns and random bytes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import Fatal, app
from tests.property.strategies import costly
from tests.property.test_parsers import MUG_AT, catalogue_files

_files = itertools.count()

encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "shift_jis", "cp1251"])
files = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda text, encoding: text.encode(encoding, errors="replace"), catalogue_files, encodings),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("catalogue")


@costly(20)
@given(raw=files)
@example(MUG_AT.format("9.00").encode("utf-8-sig"))
@example(MUG_AT.format("9.00").encode("utf-16"))
@example(MUG_AT.format("9.00").replace("Mug", "Tasse à café").encode("latin-1"))
@example(MUG_AT.format("9.00").replace(",Mug,", "," + "x" * 200_000 + ",").encode())
@example(MUG_AT.format("9.00").replace("Mug", "M\x00ug").encode())
def test_any_file_is_imported_or_refused_with_a_reason(folder: Path, raw: bytes) -> None:
    path = folder / f"catalogue-{next(_files)}.csv"
    path.write_bytes(raw)
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'shop.db'}", "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["catalog", "import", str(path)], env=env)
    if isinstance(result.exception, Fatal):  # bot.cli.main prints it and exits 2
        assert "not UTF-8 text" in str(result.exception)
        return
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 0:
        assert "imported" in result.output
    else:
        assert result.exit_code == 1 and "refused, nothing was imported" in result.output
        assert f"{path}:" in result.output.replace("\n", "")  # each problem names its line
