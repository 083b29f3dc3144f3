"""Executes one scenario, step by step, and records every check that did not hold.

Each check is graded at the level of its scenario (or lower, by a step's `level:`); an error's exact code
is graded at REFERENCE level. A failure at the scenario's own level stops the scenario (later steps would
only report consequences); a failure graded lower is recorded and the scenario carries on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from conformance.errors import CaseError, Location, TargetUnreachable, Unsupported, did_you_mean
from conformance.outcome import CheckFailure, Level
from conformance.runner.actors import ActorHandle, ActorProvisioner, SetupFailure
from conformance.runner.admin import AdminClient, AdminError
from conformance.runner.barrier import barrier
from conformance.runner.explain import (
    code_text,
    expect_text,
    explain_missing,
    mismatch_text,
    show_result,
    snippet,
    updates_text,
)
from conformance.runner.messages import build_request, readable_request_id, walk_result
from conformance.scenario import model
from conformance.scenario.expressions import ExpressionError, UnknownName, names_in_value, render
from conformance.scenario.patterns import assign_fits, match, message_slot, show, show_pattern
from conformance.wire.client import Connection, ReceivedUpdate, WireFailure
from conformance.wire.trace import FrameTrace
from osmiumwire import core_pb2

REAL_WAIT_LIMIT_MS = 10_000
ABNORMAL_CLOSURE = 1006  # RFC 6455 §7.1.5: the connection closed without a close frame


@dataclass(frozen=True)
class RunSettings:
    """What the runner needs to know about the target, resolved once per process."""

    url: str
    admin_url: str | None
    capabilities: frozenset[str]
    time_mode: str  # clock-control | real | unsupported
    step_timeout: float
    tokens: tuple[str, ...] = ()


@dataclass
class RunReport:
    failures: list[CheckFailure] = field(default_factory=list)
    trace: str = ""
    error: str | None = None  # the case is broken (exit code 2)
    unsupported: str | None = None
    unreachable: str | None = None
    reached_target: bool = False  # a socket of this scenario connected (so the target was there)
    duration_s: float = 0.0


class InboxPlacement:
    """Which inbox updates the wanted patterns take, recomputed cheaply as updates keep arriving.

    Each update is matched against the patterns once (a flooding target costs one pass per update), and the
    full assignment runs only once every pattern has at least one candidate.
    """

    def __init__(self, wanted: list[Any]) -> None:
        self.wanted = wanted
        self.fits: dict[int, list[bool]] = {}  # update sequence -> which patterns it matches
        self.candidates = [0] * len(wanted)

    def _learn(self, inbox: list[ReceivedUpdate]) -> None:
        for received in inbox:
            if received.sequence not in self.fits:
                row = [not match(p, message_slot(received.update)) for p in self.wanted]
                self.fits[received.sequence] = row
                self.candidates = [count + fit for count, fit in zip(self.candidates, row, strict=True)]

    def places(self, inbox: list[ReceivedUpdate]) -> list[int | None]:
        self._learn(inbox)
        rows = [self.fits[r.sequence] for r in inbox]
        return assign_fits([[row[i] for row in rows] for i in range(len(self.wanted))])

    def complete(self, inbox: list[ReceivedUpdate]) -> bool:
        self._learn(inbox)
        if min(self.candidates, default=1) == 0:
            return False
        return None not in self.places(inbox)


class StepAbort(Exception):
    """A check at the scenario's level failed; its failure is already recorded."""


class ScenarioRunner:
    def __init__(self, scenario: model.Scenario, settings: RunSettings, unique: str) -> None:
        self.scenario = scenario
        self.settings = settings
        self.unique = unique
        self.trace = FrameTrace()
        self.report = RunReport()
        self.values: dict[str, Any] = {}
        self.actors: dict[str, ActorHandle] = {}
        self.now_ms: int | None = None
        self.admin: AdminClient | None = None

    async def run(self) -> RunReport:
        started = time.monotonic()
        try:
            async with aiohttp.ClientSession() as session:
                if self.settings.admin_url:
                    self.admin = AdminClient(session, self.settings.admin_url, self.settings.step_timeout)
                try:
                    await self._setup(session)
                    await self._steps(self.scenario.steps, "step ")
                except StepAbort:
                    pass
                finally:
                    connections = [c for a in self.actors.values() for c in a.connections.values()]
                    self.report.reached_target = any(c.opened for c in connections)
                    await asyncio.gather(*(c.close() for c in connections))
        except CaseError as exc:
            self.report.error = exc.render()
        except Unsupported as exc:
            self.report.unsupported = str(exc)
        except TargetUnreachable as exc:
            self.report.unreachable = str(exc)
        self.report.trace = self.trace.render()
        self.report.duration_s = time.monotonic() - started
        return self.report

    # ----- recording --------------------------------------------------------------------------------

    def level_of(self, step: model.StepBase) -> Level:
        return self.scenario.level.weaker(step.level) if step.level else self.scenario.level

    def fail(
        self, step: model.StepBase | None, label: str, level: Level, message: str, *, abort: bool | None = None
    ) -> None:
        yaml_lines = f"\nYAML {step.source.display}:\n{snippet(step.source)}" if step else ""
        where = f" at {step.source}" if step else ""
        self.report.failures.append(CheckFailure(level, f"{label}{where}", f"{message}{yaml_lines}".rstrip()))
        if abort or (abort is None and level == self.scenario.level):
            raise StepAbort

    # ----- names and values -------------------------------------------------------------------------

    def lookup(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self.actors:
            return self.actors[name]
        if name == "unique":
            return self.unique
        if name == "now_ms" and self.now_ms is not None:
            return self.now_ms
        raise UnknownName(name, [*self.values, *self.actors, "unique", "now_ms"])

    async def render(self, value: Any, step: model.StepBase) -> Any:
        if "now_ms" in names_in_value(value):
            self.now_ms = await self._now()
        try:
            return render(value, self.lookup)
        except UnknownName as exc:
            raise CaseError(
                Location(step.source.display, step.source.line),
                f"unknown name {exc.name!r} in an expression",
                expected="a saved value, an actor, now_ms, unique or a repeat index",
                suggestion=did_you_mean(exc.name, exc.known),
            ) from None
        except ExpressionError as exc:
            raise CaseError(Location(step.source.display, step.source.line), f"expression: {exc}") from None

    async def device(self, reference: Any, step: model.StepBase) -> Connection:
        value = await self.render(reference, step) if isinstance(reference, str) else reference
        if isinstance(value, ActorHandle):
            return value.first
        name, _, device = str(value).partition("@")
        handle = self.actors.get(name)
        if handle is None:
            raise CaseError(
                Location(step.source.display, step.source.line),
                f"unknown actor {name!r}",
                suggestion=did_you_mean(name, self.actors),
            )
        if not device:
            return handle.first
        connection = handle.connections.get(value)
        if connection is None:
            raise CaseError(Location(step.source.display, step.source.line), f"actor {name!r} has no device {device!r}")
        return connection

    async def devices(self, references: Any, step: model.StepBase) -> list[Connection]:
        value = await self.render(references, step) if isinstance(references, str) else references
        items = value if isinstance(value, list) else [value]
        return [await self.device(item, step) for item in items]

    async def _now(self) -> int:
        if self.admin is not None and "clock-control" in self.settings.capabilities:
            try:
                return (await self.admin.clock()).now_ms
            except AdminError as exc:
                raise CaseError(None, f"cannot read the target's clock: {exc}") from None
        return int(time.time() * 1000)

    def timeout_of(self, step: model.StepBase) -> float:
        return step.timeout or self.settings.step_timeout

    # ----- setup ------------------------------------------------------------------------------------

    async def _setup(self, session: aiohttp.ClientSession) -> None:
        provisioner = ActorProvisioner(
            session, self.settings.url, self.trace, self.settings.step_timeout, self.admin, list(self.settings.tokens)
        )
        for actor in self.scenario.actors:
            try:
                handle = await provisioner.provision(actor, self.unique)
            except SetupFailure as exc:
                self.fail(None, f"setup of actor {actor.name}", Level.MUST, str(exc), abort=True)
            except AdminError as exc:
                self.fail(None, f"setup of actor {actor.name}", Level.MUST, f"control API: {exc}", abort=True)
            self.actors[actor.name] = handle

    # ----- steps ------------------------------------------------------------------------------------

    async def _steps(self, steps: tuple[model.Step, ...], prefix: str) -> None:
        for index, step in enumerate(steps, start=1):
            await self._step(step, f"{prefix}{index}")

    async def _step(self, step: model.Step, label: str) -> None:
        if isinstance(step, model.SendStep):
            await self._send(step, label)
        elif isinstance(step, model.RawSendStep):
            await self._send_raw(step, label)
        elif isinstance(step, model.ReceiveStep):
            await self._receive(step, label)
        elif isinstance(step, model.ExpectNoneStep):
            await self._expect_none(step, label)
        elif isinstance(step, model.ClockStep):
            await self._clock(step, label)
        elif isinstance(step, model.RepeatStep):
            await self._repeat(step, label)
        elif isinstance(step, model.ConcurrentlyStep):
            await self._concurrently(step, label)
        elif isinstance(step, model.IncludeStep):
            await self._include(step, label)
        elif isinstance(step, model.SetStep):
            for name, raw in step.values.items():
                self.values[name] = await self.render(raw, step)

    async def _send(self, step: model.SendStep, label: str) -> None:
        connection = await self.device(step.actor, step)
        label = f"{label} (send {step.rpc} as {connection.label})"
        body = await self.render(step.body, step) if step.body is not None else None
        request = build_request(step, body)
        req_id = await self.render(step.req_id, step) if step.req_id is not None else None
        level = self.level_of(step)
        substituted = f"sent: {step.rpc} {show(request)}\n"
        try:
            future = await connection.send_request(step.rpc, request, int(req_id) if req_id is not None else None)
            result = await connection.await_result(future, f"{step.rpc}", self.timeout_of(step))
        except WireFailure as exc:
            self.fail(step, label, level, f"{substituted}{exc}", abort=True)
            return
        member = result.WhichOneof("result")
        if member == "authorization":
            connection.authenticated = True
            self._learn_identity(connection, result)
        await self._check_answer(step, label, result, substituted)

    async def _check_answer(
        self, step: model.SendStep | model.RawSendStep, label: str, result: core_pb2.RPCResult, substituted: str
    ) -> None:
        """`expect` / `expect_error` / `save` of a step against the RPCResult it got."""
        level = self.level_of(step)
        member = result.WhichOneof("result")
        got = f"got: {show_result(result)}"
        if step.expect_error is not None:
            if member != "error":
                self.fail(step, label, level, f"{substituted}expected: an error{code_text(step.expect_error)}\n{got}")
                return
            await self._check_code(step, label, step.expect_error, result.error.error_code, substituted, got)
            return
        if member == "error":
            if step.assumes:
                self.trace.event("unsupported", f"{label} refused; it assumes {step.assumes}")
                raise Unsupported(
                    f"{label} at {step.source} was refused "
                    f"(error {result.error.error_code}); the scenario assumes REF choice {step.assumes}, "
                    "which the spec lets a target make otherwise"
                )
            self.fail(step, label, level, f"{substituted}expected: {expect_text(step.expect)}\n{got}")
            self._stop_if_saving(step)
            return
        if step.expect == "empty":
            if member is not None:
                self.fail(step, label, level, f"{substituted}expected: an empty result\n{got}")
                return
        elif isinstance(step.expect, Mapping):
            ((expected_member, raw_pattern),) = step.expect.items()
            pattern = await self.render(raw_pattern, step)
            if member != expected_member:
                self.fail(
                    step, label, level, f"{substituted}expected: {expected_member} {show_pattern(pattern)}\n{got}"
                )
                self._stop_if_saving(step)
                return
            mismatches = match(pattern, message_slot(getattr(result, expected_member)), expected_member)
            if mismatches:
                # graded below the scenario's level (else fail() stopped it): what was saved is still usable
                self.fail(
                    step,
                    label,
                    level,
                    f"{substituted}expected: {expected_member} {show_pattern(pattern)}\n{got}\n"
                    f"{mismatch_text(mismatches)}",
                )
        for name, path in step.save.items():
            key = await self.render(name, step)
            try:
                self.values[str(key)] = walk_result(result, path)
            except (ExpressionError, LookupError, AttributeError) as exc:
                self.fail(step, label, level, f"save {key}: {path}: {exc}\n{got}", abort=True)

    @staticmethod
    def _stop_if_saving(step: model.SendStep | model.RawSendStep) -> None:
        """A step whose check failed below the scenario's level, but whose save later steps need, ends here."""
        if step.save:
            raise StepAbort

    def _learn_identity(self, connection: Connection, result: core_pb2.RPCResult) -> None:
        for handle in self.actors.values():
            if connection in handle.connections.values() and not handle.id:
                handle.learn(result.authorization)

    async def _check_code(
        self, step: model.StepBase, label: str, expected: model.ExpectError, got_code: int, substituted: str, got: str
    ) -> None:
        if expected.code is None:
            return
        code = await self.render(expected.code, step)
        if int(code) != got_code:
            self.fail(
                step,
                label,
                Level.REFERENCE,
                f"{substituted}expected: error code {code} (graded at REFERENCE level: no code table is published)\n"
                f"{got}",
                abort=False,
            )

    async def _send_raw(self, step: model.RawSendStep, label: str) -> None:
        connection = await self.device(step.actor, step)
        label = f"{label} (send_raw as {connection.label})"
        level = self.level_of(step)
        timeout = self.timeout_of(step)
        candidates = {0}
        before = len(connection.unsolicited)
        try:
            if step.text is not None:
                await connection.send_text(step.text)
                sent = f"sent: text frame {step.text!r}\n"
            else:
                data = bytes.fromhex("".join(step.hex.split())) if step.hex is not None else bytes(step.size or 0)
                candidates |= readable_request_id(data)
                await connection.send_bytes(data)
                sent = f"sent: {len(data)} raw bytes\n"
        except WireFailure as exc:
            if step.expect_close is None or not await connection.wait_until(
                lambda: connection.closed is not None, timeout
            ):
                self.fail(step, label, level, str(exc), abort=True)
                return
            # The target closed the socket while the frame was still going out, which is what the step
            # expects; only the close code may have been lost with it (graded below, at REFERENCE level).
            sent = f"sent: part of a frame; sending failed: {exc}\n"
        if step.expect_error is not None or step.expect is not None:

            def answered() -> bool:
                return any(r.req_id in candidates for r in connection.unsolicited[before:])

            if not await connection.wait_until(answered, timeout):
                fault = connection.fault()
                self.fail(
                    step,
                    label,
                    level,
                    f"{sent}expected: an RPCResult with req_id in {sorted(candidates)}\n"
                    f"got: {fault or f'nothing within {timeout:g}s'}",
                )
                return
            result = next(r for r in connection.unsolicited[before:] if r.req_id in candidates)
            connection.unsolicited.remove(result)
            await self._check_answer(step, label, result, sent)
        elif step.expect_close is not None:
            if not await connection.wait_until(lambda: connection.closed is not None, timeout):
                self.fail(
                    step,
                    label,
                    level,
                    f"{sent}expected: the target closes the socket\ngot: still open after {timeout:g}s",
                )
                return
            assert connection.closed is not None
            expected_code = step.expect_close
            if expected_code != "any" and connection.closed.code != expected_code:
                self.fail(
                    step,
                    label,
                    Level.REFERENCE,
                    f"{sent}expected: close code {expected_code} (graded at REFERENCE level)\n"
                    f"got: close code {connection.closed.code}{_lost_close_hint(connection.closed.code)}",
                    abort=False,
                )
        elif step.expect_silence:
            try:
                await barrier(connection, timeout)
            except WireFailure as exc:
                self.fail(step, label, level, f"{sent}expected: no answer, the socket still serving\ngot: {exc}")
                return
            stray = connection.unsolicited[before:]
            if stray:
                self.fail(
                    step, label, level, f"{sent}expected: no answer\ngot: " + "; ".join(show_result(r) for r in stray)
                )

    async def _patterns(
        self, step: model.StepBase, patterns: tuple[model.UpdatePattern, ...]
    ) -> list[tuple[model.UpdatePattern, Any]]:
        expanded: list[tuple[model.UpdatePattern, Any]] = []
        for pattern in patterns:
            count = await self.render(pattern.count, step)
            rendered = {pattern.member: await self.render(pattern.pattern, step)}
            expanded += [(pattern, rendered)] * int(count)
        return expanded

    async def _receive(self, step: model.ReceiveStep, label: str) -> None:
        connections = await self.devices(step.on, step)
        label = f"{label} (receive on {', '.join(c.label for c in connections)})"
        expanded = await self._patterns(step, step.updates)
        wanted = [p for _, p in expanded]
        within = step.within or self.timeout_of(step)
        level = self.level_of(step)

        async def on_one(connection: Connection) -> tuple[Connection, list[ReceivedUpdate] | None]:
            placement = InboxPlacement(wanted)
            complete = await connection.wait_until(lambda: placement.complete(connection.inbox), within)
            if not complete:
                return connection, None
            places = placement.places(connection.inbox)
            return connection, [connection.inbox[i] for i in places if i is not None]

        outcomes = await asyncio.gather(*(on_one(c) for c in connections))
        for connection, matched in outcomes:
            if matched is None:
                self.fail(step, label, level, explain_missing(connection, wanted, within))
                if any(p.save for p in step.updates):
                    raise StepAbort  # later steps need what this one would have saved
                return
        for index, (connection, matched) in enumerate(outcomes):
            assert matched is not None
            connection.consume(matched)
            if index == 0:
                for (pattern, _), received in zip(expanded, matched, strict=True):
                    if pattern.save:
                        self.values[pattern.save] = received.payload
        if step.only:
            for connection in connections:
                try:
                    await barrier(connection, self.timeout_of(step))
                except WireFailure as exc:
                    self.fail(step, label, level, f"only: the barrier failed: {exc}")
                    return
                if connection.inbox:
                    extra = updates_text(connection.inbox)
                    self.fail(
                        step, label, level, f"only: no other update may arrive on {connection.label}, got:\n{extra}"
                    )
                    return

    async def _expect_none(self, step: model.ExpectNoneStep, label: str) -> None:
        connections = await self.devices(step.on, step)
        label = f"{label} (expect_none on {', '.join(c.label for c in connections)})"
        level = self.level_of(step)
        unwanted = [p for _, p in await self._patterns(step, step.updates)] if step.updates else None
        for connection in connections:
            try:
                await barrier(connection, self.timeout_of(step))
            except WireFailure as exc:
                self.fail(step, label, level, f"the barrier request failed: {exc}")
                return
            hits = [
                r
                for r in connection.inbox
                if unwanted is None or any(not match(p, message_slot(r.update)) for p in unwanted)
            ]
            if hits:
                what = "no update at all" if unwanted is None else "none of " + show_pattern(unwanted)
                got = updates_text(hits)
                self.fail(
                    step,
                    label,
                    level,
                    f"expected on {connection.label}: {what} (checked after a round-trip barrier)\ngot:\n{got}",
                )
                return

    async def _clock(self, step: model.ClockStep, label: str) -> None:
        advance = await self.render(step.advance_ms, step) if step.advance_ms is not None else None
        set_to = await self.render(step.set_ms, step) if step.set_ms is not None else None
        if self.admin is not None and "clock-control" in self.settings.capabilities:
            try:
                reading = await (
                    self.admin.advance(int(advance)) if advance is not None else self.admin.set(int(set_to or 0))
                )
            except AdminError as exc:
                self.fail(step, f"{label} (clock)", Level.MUST, f"moving the target's clock failed: {exc}", abort=True)
                return
            self.trace.event("clock", f"now_ms = {reading.now_ms}")
            self.now_ms = reading.now_ms
            return
        if self.settings.time_mode == "real" and advance is not None:
            if int(advance) > REAL_WAIT_LIMIT_MS:
                raise Unsupported(
                    f"clock advance of {advance} ms would need real waiting beyond {REAL_WAIT_LIMIT_MS} ms"
                    " (target time: real)"
                )
            self.trace.event("clock", f"waiting {int(advance)} ms of real time (target has no clock control)")
            await asyncio.sleep(int(advance) / 1000)
            return
        raise Unsupported(
            "the scenario moves the clock; the target has no clock-control"
            + (" and real time cannot set_ms" if set_to is not None else "")
        )

    async def _repeat(self, step: model.RepeatStep, label: str) -> None:
        times = int(await self.render(step.times, step))
        for iteration in range(times):
            if step.index:
                self.values[step.index] = iteration
            await self._steps(step.steps, f"{label}[{iteration}].")

    async def _concurrently(self, step: model.ConcurrentlyStep, label: str) -> None:
        outcomes = await asyncio.gather(
            *(self._step(inner, f"{label}.{i}") for i, inner in enumerate(step.steps, start=1)), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, StepAbort):
                raise outcome
        if any(isinstance(o, StepAbort) for o in outcomes):
            raise StepAbort

    async def _include(self, step: model.IncludeStep, label: str) -> None:
        bound: dict[str, Any] = {}
        for name, raw in step.arguments.items():
            value = await self.render(raw, step)
            bound[name] = self._as_actors(value)
        shadowed = {name: self.values[name] for name in bound if name in self.values}
        self.values.update(bound)
        try:
            await self._steps(step.fixture.steps, f"{label} (include {step.fixture.name}) step ")
        finally:
            for name in bound:
                self.values.pop(name, None)
            self.values.update(shadowed)

    def _as_actors(self, value: Any) -> Any:
        """Fixture arguments that name actors become the actors themselves (so `${owner.id}` works)."""
        if isinstance(value, list):
            return [self._as_actors(v) for v in value]
        if isinstance(value, str) and value in self.actors:
            return self.actors[value]
        return value


def _lost_close_hint(code: int | None) -> str:
    """What 1006 after a frame the target refused usually means, for the server's author."""
    if code != ABNORMAL_CLOSURE:
        return ""
    return (
        "\nhint: no close frame reached the suite. A server that sends its close frame and then closes the TCP "
        "connection while the client is still sending causes a reset, and the reset can overtake the close "
        "frame. Reading and dropping input until the client closes (a lingering close) lets clients see the code."
    )
