"""Database URLs in messages: never a password, and a clear answer for what is not PostgreSQL.

No server is needed: every case fails before a connection is made (a refused port at most).
"""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest

from hotspots.cli import main
from hotspots.errors import InputError
from hotspots.ingest import load_incidents
from hotspots.ingest.database import public_url

pytest.importorskip("sqlalchemy", reason="the db extra is not installed")

#: A password with an "@" and a "/", typed as is (a mistake, which still must not show) and
#: percent-encoded as a URL needs it.
SECRET = "s3cr@t/pw"
ENCODED = "s3cr%40t%2Fpw"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when this returns


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://analyst:pw@db.example.org:5432/rms", "postgresql://db.example.org:5432/rms"),
        (f"postgresql://analyst:{SECRET}@host/rms", "postgresql://host/rms"),
        ("postgresql://host/rms?password=pw&sslmode=require", "postgresql://host/rms"),
        ("postgres://host", "postgres://host"),
    ],
)
def test_public_url_drops_user_password_and_parameters(url: str, shown: str) -> None:
    assert public_url(url) == shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"mysql://analyst:{ENCODED}@host/rms", "not from 'mysql'"),
        (f"mssql+pyodbc://analyst:{ENCODED}@host/rms", "not from 'mssql'"),
        (f"postgresql://analyst:{ENCODED}@host:notaport/rms", "not a database URL"),
        (f"postgresql+nosuchdriver://analyst:{ENCODED}@host/rms", "not a database URL"),
    ],
)
def test_bad_urls_are_explained_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as caught:
        load_incidents(url, table="incidents", quiet=True)
    message = str(caught.value)
    assert ENCODED not in message and "analyst" not in message
    assert "postgresql://" in message  # says what to write instead


def test_a_missing_driver_is_named_with_the_fix() -> None:
    if importlib.util.find_spec("pg8000") is not None:
        pytest.skip("pg8000 is installed here")
    with pytest.raises(InputError, match="install pg8000, or write the URL as postgresql://"):
        load_incidents(f"postgresql+pg8000://analyst:{ENCODED}@host/rms", table="t", quiet=True)


def test_a_refused_connection_names_the_host_not_the_password(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"postgresql://analyst:{ENCODED}@127.0.0.1:{_closed_port()}/rms"
    with pytest.raises(InputError, match=r"Connection refused|connection failed") as caught:
        load_incidents(url, table="incidents", quiet=True)
    assert ENCODED not in str(caught.value) and "127.0.0.1" in str(caught.value)
    assert main(["analyze", url, "--table", "incidents", "--out", str(tmp_path)]) == 2
    printed = capsys.readouterr()
    assert ENCODED not in printed.out + printed.err
    assert "127.0.0.1" in printed.err
