"""Session credentials: signed tokens and the server's secret."""

from __future__ import annotations

from pathlib import Path

from server.classroom.sessions import Signer, load_secret


def test_a_token_verifies_only_as_issued() -> None:
    signer = Signer(b"k" * 32)
    sid, token = signer.mint()
    assert signer.verify(token) == sid
    version, ident, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    forged = [f"{version}.{ident}.{flipped}", f"v2.{ident}.{mac}", f"{version}.s-other.{mac}",
              f"{version}.{ident}", "", "....", f"{token}.x", token.upper()]
    assert [signer.verify(t) for t in forged] == [None] * len(forged)
    assert Signer(b"j" * 32).verify(token) is None  # another server's secret


def test_the_secret_is_kept_once_and_reused(tmp_path: Path) -> None:
    first = load_secret("", tmp_path)
    assert load_secret("", tmp_path) == first
    assert (tmp_path / ".session-secret").stat().st_mode & 0o777 == 0o600
    assert load_secret("configured-secret-of-16+", tmp_path) == b"configured-secret-of-16+"
    assert not list(tmp_path.glob("*.tmp"))
