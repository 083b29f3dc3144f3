"""`osmium-mock` / `python -m mockserver` as a user runs it: URL first on stdout, clean signals, clear errors."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest

from osmiumwire import core_pb2
from tests.mockserver.transport_support import SAFETY_TIMEOUT_S, connect, request, run

MODULE = [sys.executable, "-m", "mockserver"]


@contextmanager
def running(*args: str, command: list[str] = MODULE) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [*command, "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
        yield process, first_line
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=SAFETY_TIMEOUT_S)


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=SAFETY_TIMEOUT_S)
    return process.returncode, stderr


def sign_up_through(url: str, password: str) -> core_pb2.RPCResult:
    async def body() -> core_pb2.RPCResult:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, url)
            await client.initialize()
            return await client.call(
                request(2, "auth_sign_up", name="Cli", email="cli@example.test", password=password)
            )

    result: core_pb2.RPCResult = run(body)
    return result


def close_code_after_sending(url: str, frame: bytes) -> int | None:
    async def body() -> int | None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, url)
            await client.ws.send_bytes(frame)
            closing = await client.closed()
            return int(closing.data) if closing.type is aiohttp.WSMsgType.CLOSE else None

    code: int | None = run(body)
    return code


def test_prints_the_url_first_serves_and_stops_cleanly_on_sigterm() -> None:
    with running("--max-frame-bytes", "512") as (process, url):
        assert url.startswith("ws://127.0.0.1:") and url.endswith("/")
        assert not url.endswith(":0/")
        result = sign_up_through(url, "pw-secret-1")
        assert result.WhichOneof("result") == "authorization"
        assert close_code_after_sending(url, b"\x08\x01" + b"\xa2\x06\x00" * 200) == 1009
        code, stderr = stop(process)
    assert code == 0
    assert "Traceback" not in stderr
    assert "auth_sign_up" not in stderr  # no per-frame log unless --log-frames


def test_sigint_also_stops_cleanly_and_the_console_script_works() -> None:
    beside = Path(sys.executable).parent / "osmium-mock"  # the venv's script, even when the venv is not activated
    script = str(beside) if beside.exists() else shutil.which("osmium-mock")
    assert script is not None, "the osmium-mock console script is not installed (pip install -e .)"
    with running("--path", "/ws", command=[script]) as (process, url):
        assert url.endswith("/ws")
        code, stderr = stop(process, signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr


def test_log_frames_prints_decoded_frames_without_secrets() -> None:
    with running("--log-frames") as (process, url):
        result = sign_up_through(url, "pw-very-secret")
        token = result.authorization.token
        _, stderr = stop(process)
    assert "auth_sign_up" in stderr
    assert "<redacted>" in stderr
    assert "pw-very-secret" not in stderr
    assert token and token not in stderr


def test_admin_only_with_the_flag_and_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "users.yaml"
    seed.write_text("users:\n  - {name: Ann, username: ann, email: ann@example.test, password: pw-12345678}\n")

    async def state(admin: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(f"{admin}/state") as response:
            return response.status, await response.text()

    with running("--admin", "--seed", str(seed), "--virtual-clock") as (process, url):
        admin = url.replace("ws://", "http://").rstrip("/") + "/__admin"
        status, text = run(lambda: state(admin))
        assert status == 200
        assert "ann@example.test" in text
        stop(process)
    with running() as (process, url):
        admin = url.replace("ws://", "http://").rstrip("/") + "/__admin"
        assert run(lambda: state(admin))[0] == 404
        stop(process)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "port must be in 0..65535"),
        (["--path", "ws"], "path must start with '/'"),
        (["--seed", "/nonexistent/users.yaml"], "cannot read"),
        (["--max-frame-bytes", "3"], "max frame bytes"),
        (["--scrypt-n", "1000"], "scrypt N must be a power of two"),
    ],
)
def test_bad_arguments_give_one_clear_line_and_exit_2(args: list[str], message: str) -> None:
    completed = subprocess.run(
        [*MODULE, *args], capture_output=True, text=True, timeout=SAFETY_TIMEOUT_S, check=False
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_bad_seed_file_is_a_clear_error(tmp_path: Path) -> None:
    seed = tmp_path / "users.yaml"
    seed.write_text("users:\n  - {name: Ann}\n")
    completed = subprocess.run(
        [*MODULE, "--port", "0", "--seed", str(seed)], capture_output=True, text=True, timeout=SAFETY_TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 2
    assert "users[0]: 'email' must be a non-empty string" in completed.stderr
    assert "Traceback" not in completed.stderr
