"""Must hold (#12): kill -9 mid-batch, PostgreSQL stopped mid-batch, a refused connection and a wrong
password — every number taken is issued, voided with a reason, or reserved and explained; the user
sees one line naming the server, never a traceback."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli.main import cli
from toolkit.issuing.register import Register, RegisterUnavailable, owner_pid

SERIES = {"prefix": "揭医保", "office": "jieyang-ybj", "doc_type": "通知", "year": 2026}


def _produce(reg: Register, number: str, out: Path) -> None:
    path = out / f"{number}.pdf"
    path.write_bytes(f"%PDF {number}".encode())
    reg.mark_issued(number, {"pdf": path})


def _one_by_one(db: str, out: str, count: int, start) -> None:
    start.wait()
    with Register(db) as reg:
        for _ in range(count):
            _produce(reg, reg.reserve(**SERIES).number, Path(out))


def _batch(db: str, out: str, count: int, progress: str, start, pause: float) -> None:
    """A batch as a clerk runs it: one block of numbers, then each document produced in turn."""
    start.wait()
    try:
        with Register(db) as reg:
            for i, entry in enumerate(reg.reserve_block(**SERIES, count=count), 1):
                time.sleep(pause)  # rendering
                _produce(reg, entry.number, Path(out))
                Path(progress).write_text(str(i))
    except RegisterUnavailable as exc:
        Path(progress + ".error").write_text(str(exc), encoding="utf-8")
        os._exit(3)


def _wait_for(path: Path, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip() and int(path.read_text()) >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {at_least}")


def test_kill_9_mid_batch_leaves_every_number_explained(db_url: str, tmp_path: Path) -> None:
    Register(db_url).close()
    out = tmp_path / "out"
    out.mkdir()
    progress = tmp_path / "victim.progress"
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    workers = [ctx.Process(target=_one_by_one, args=(db_url, str(out), 25, start)) for _ in range(7)]
    victim = ctx.Process(target=_batch, args=(db_url, str(out), 25, str(progress), start, 0.05))
    for p in (*workers, victim):
        p.start()
    start.set()
    _wait_for(progress, 5)
    os.kill(victim.pid, signal.SIGKILL)  # mid-batch: its block is taken, a few documents done
    for p in (*workers, victim):
        p.join(180)
    assert victim.exitcode == -signal.SIGKILL
    assert [p.exitcode for p in workers] == [0] * 7

    with Register(db_url) as reg:
        rows = reg.entries(prefix="揭医保", year=2026)
        assert [r.seq for r in rows] == list(range(1, 8 * 25 + 1))  # 0 duplicates, 0 gaps
        mine = [r for r in rows if owner_pid(r.owner) == victim.pid]
        assert [r.seq for r in mine] == list(range(mine[0].seq, mine[0].seq + 25))  # one block
        done = int(progress.read_text())
        issued = sum(r.status == "issued" for r in mine)
        assert 5 <= done <= issued <= done + 1 < 25  # the kill may land after an issue, before its note
        assert [r.status for r in mine[:issued]] == ["issued"] * issued
        left = [r for r in rows if r.status == "reserved"]
        assert left == mine[issued:] and left  # only the dead batch's unfinished numbers
        assert all(r.status == "issued" for r in rows if r not in mine)
        # explained where a clerk looks, then closed by recover
        assert reg.reserved_warnings() == left
        voided = reg.recover()
        assert [v.number for v in voided] == [r.number for r in left]
        assert all(f"reserved by {mine[0].owner} at " in v.void_reason and "never issued" in v.void_reason
                   for v in voided)
        statuses = {r.status for r in reg.entries(prefix="揭医保", year=2026)}
        assert statuses == {"issued", "voided"} and reg.reserved_warnings() == []
        assert reg.unexplained_gaps("揭医保", 2026) == []


@pytest.fixture(scope="module")
def private_cluster():
    """A PostgreSQL server of this module's own, to stop and start."""
    from tests.postgres_cluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.destroy()


def test_postgresql_stopped_mid_batch_is_one_line_and_recover_explains_the_rest(
    private_cluster, tmp_path: Path
) -> None:
    url = private_cluster.create_database()
    Register(url).close()
    out = tmp_path / "out"
    out.mkdir()
    progress = tmp_path / "batch.progress"
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Event()
    child = ctx.Process(target=_batch, args=(url, str(out), 10, str(progress), start, 0.3))
    child.start()
    start.set()
    _wait_for(progress, 3)
    private_cluster.stop("fast")
    try:
        child.join(120)
        assert child.exitcode == 3  # stopped by the error, not a crash
        message = Path(str(progress) + ".error").read_text(encoding="utf-8")
        server = f"127.0.0.1:{private_cluster.port}/{url.rsplit('/', 1)[1]}"
        assert "\n" not in message and server in message and "Traceback" not in message
        # any command meanwhile: one line naming the server, exit 2
        result = CliRunner().invoke(cli, ["--db", url, "register", "list"])
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert server in result.stderr and "cannot connect" in result.stderr
    finally:
        private_cluster.start()

    done = int(progress.read_text())
    with Register(url) as reg:
        rows = reg.entries()
        assert [r.seq for r in rows] == list(range(1, 11))  # nothing lost, nothing doubled
        assert [r.status for r in rows[:done]] == ["issued"] * done
        assert {r.status for r in rows[done:]} == {"reserved"}  # nothing half-written
        # files recorded only for issued numbers, each with its hash
        assert all(len(r.files) == (1 if r.status == "issued" else 0) for r in rows)
    result = CliRunner().invoke(cli, ["--db", url, "register", "list"])
    assert result.exit_code == 0
    assert "register recover" in result.stderr and rows[done].number in result.stderr
    result = CliRunner().invoke(cli, ["--db", url, "register", "recover"])
    assert result.exit_code == 0 and f"{10 - done} reservation(s) voided" in result.stderr
    with Register(url) as reg:
        assert {r.status for r in reg.entries()} == {"issued", "voided"}
        assert reg.unexplained_gaps("揭医保", 2026) == []


def test_wrong_password_and_refused_connection_are_one_line_naming_the_server(private_cluster) -> None:
    import psycopg

    url = private_cluster.create_database()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={private_cluster.port} user=postgres dbname=postgres",
                         autocommit=True) as conn:
        conn.execute("CREATE ROLE clerk LOGIN PASSWORD 'right'")
    hba = private_cluster.data / "pg_hba.conf"
    hba.write_text("host all clerk 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    private_cluster._run("pg_ctl", "-D", str(private_cluster.data), "reload")
    time.sleep(0.5)
    server = f"127.0.0.1:{private_cluster.port}/{name}"
    wrong = f"postgresql://clerk:wrong@127.0.0.1:{private_cluster.port}/{name}"
    for args in (["register", "list"], ["register", "set-next", "jieyang-ybj", "通知", "2026", "91",
                                         "--reason", "x"]):
        result = CliRunner().invoke(cli, ["--db", wrong, *args])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and server in result.stderr
        assert "password authentication failed" in result.stderr and "wrong" not in result.stderr
    with socket_port() as port:
        refused = f"postgresql://clerk:pw@127.0.0.1:{port}/policykit"
        result = CliRunner().invoke(cli, ["--db", refused, "register", "list"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}/policykit: cannot connect" in result.stderr


class socket_port:
    """A port nothing listens on (bound, not listening, while in use)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
