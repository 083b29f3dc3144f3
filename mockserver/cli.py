"""`osmium-mock` (and `python -m mockserver`): run the reference server until SIGINT/SIGTERM.

The first line on stdout is the URL it serves (so scripts can read it, `--port 0` included); everything
else goes to stderr. No per-frame access log; `--log-frames` prints decoded frames, secrets masked.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from mockserver.app import MockServer, listen
from mockserver.domain.credentials import (
    INVITE_CODE_LENGTH,
    MAX_INVITE_CODE_LENGTH,
    MAX_SCRYPT_N,
    MIN_INVITE_CODE_LENGTH,
    SCRYPT_N,
    invite_code_bits,
)
from mockserver.options import DEFAULT_MAX_FRAME_BYTES, ServerOptions
from mockserver.seed import SeedError, SeedUser, load_seed_file, seed

log = logging.getLogger("mockserver")

EXIT_USAGE = 2
EXIT_CANNOT_SERVE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="osmium-mock",
        description="The in-memory reference server of the Osmium Chat Protocol's chats API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port; 0 picks a free one (default: 8080)")
    parser.add_argument("--path", default="/", help="WebSocket path (default: /)")
    parser.add_argument("--admin", action="store_true", help="serve the control API under /__admin/ (same host:port)")
    parser.add_argument("--virtual-clock", action="store_true", help="time moves only via POST /__admin/clock")
    parser.add_argument("--seed", type=Path, metavar="FILE", help="YAML file of users to create at start")
    parser.add_argument(
        "--max-frame-bytes", type=int, default=DEFAULT_MAX_FRAME_BYTES, metavar="N",
        help=f"largest accepted frame; bigger ones close the socket with 1009 (default: {DEFAULT_MAX_FRAME_BYTES})",
    )
    parser.add_argument("--log-frames", action="store_true", help="print every frame, decoded, to stderr")
    parser.add_argument(
        "--log-level", default="INFO", type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="stderr log level (default: INFO)",
    )
    parser.add_argument(
        "--no-service-messages", action="store_true", help="do not post JOIN/LEAVE service messages in groups"
    )
    parser.add_argument(
        "--updates-before-results", action="store_true",
        help="send the updates a request causes before its result on the same socket (the spec allows both; "
        "the default, result first, is its REF choice)",
    )
    parser.add_argument(
        "--invite-code-length", type=int, default=INVITE_CODE_LENGTH, metavar="N",
        help=f"characters of [A-Za-z0-9] per invite code, {MIN_INVITE_CODE_LENGTH}..{MAX_INVITE_CODE_LENGTH} "
        f"(default: {INVITE_CODE_LENGTH}, the spec's REF choice, {invite_code_bits(INVITE_CODE_LENGTH):.1f} bits; "
        f"11 gives {invite_code_bits(11):.1f})",
    )
    parser.add_argument(
        "--scrypt-n",
        type=int,
        default=SCRYPT_N,
        metavar="N",
        help=f"scrypt cost of password hashes, a power of two in 2..{MAX_SCRYPT_N} (default: {SCRYPT_N}, about 10 ms "
        "per sign-up; a test run that signs up hundreds of users can go as low as 256)",
    )
    return parser


def options_from(args: argparse.Namespace) -> ServerOptions:
    options = ServerOptions(
        host=args.host,
        port=args.port,
        path=args.path,
        admin=args.admin,
        virtual_clock=args.virtual_clock,
        max_frame_bytes=args.max_frame_bytes,
        log_frames=args.log_frames,
        service_messages=not args.no_service_messages,
        invite_code_length=args.invite_code_length,
        scrypt_n=args.scrypt_n,
        updates_first=args.updates_before_results,
    )
    options.validate()
    return options


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def configure_logging(level: str, log_frames: bool) -> None:
    logging.basicConfig(stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    if log_frames:
        logging.getLogger("mockserver.frames").setLevel(logging.INFO)


async def serve(options: ServerOptions, users: list[SeedUser]) -> int:
    """Seed, listen, print the URL, then wait for a signal and shut down (sockets closed with 1001)."""
    server = MockServer.create(options)
    try:
        seeded = seed(server.service, users)
    except SeedError as error:
        print(f"osmium-mock: error: --seed: {error}", file=sys.stderr)
        return EXIT_USAGE
    for user in seeded:
        log.info("seeded user %d (sign in with its email and password)", user.user_id)
    try:
        listening = await listen(server)
    except OSError as error:
        print(f"osmium-mock: error: cannot listen on {options.host}:{options.port}: {error.strerror}", file=sys.stderr)
        return EXIT_CANNOT_SERVE
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(listening.url, flush=True)  # only now: a script that reads it may signal us at once
    if options.admin:
        log.info("control API at %s/", listening.admin_url)
        if not is_loopback(options.host):
            log.warning("the control API (reset, seed users, faults) is reachable from the network on %s", options.host)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await listening.runner.cleanup()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, args.log_frames)
    try:
        options = options_from(args)
        users = load_seed_file(args.seed) if args.seed is not None else []
    except (ValueError, SeedError) as error:
        print(f"osmium-mock: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(serve(options, users))


if __name__ == "__main__":
    sys.exit(main())
