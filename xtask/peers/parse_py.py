"""Time the official Python SDK's own stdout reader on a file (driven by `cargo xtask bench parse`).

usage: parse_py.py throughput FILE [--runs N] [--warmup W]
       parse_py.py bigline FILE

What runs is the SDK's code, imported and called, nothing reimplemented:
  * `SubprocessCLITransport.read_messages()` -- in the SDK it reads the child's stdout through
    anyio's `TextReceiveStream` (incremental UTF-8 decoding of each read of up to 64 KiB), frames
    lines with its `_LineFramer`, enforces `max_buffer_size`, and `json.loads` every line;
  * `message_parser.parse_message()` on every dict it yields (dicts into typed dataclasses).
The only stand-ins are the child: `_stdout_stream` is a `TextReceiveStream` over an in-memory
byte stream that returns the file in 64 KiB pieces (what anyio's `receive()` returns from a pipe),
and `_process` is an object whose `wait()` returns 0.

Prints one JSON object on stdout.
"""

import json
import resource
import sys
import time

import anyio
from anyio.abc import ByteReceiveStream
from anyio.streams.text import TextReceiveStream

import claude_agent_sdk
from claude_agent_sdk import ClaudeAgentOptions
from claude_agent_sdk._internal.message_parser import parse_message
from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

CHUNK = 64 * 1024


class MemoryStdout(ByteReceiveStream):
    """The child's stdout: `data` in pieces of at most 64 KiB."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.offset = 0

    async def receive(self, max_bytes: int = CHUNK) -> bytes:
        if self.offset >= len(self._data):
            raise anyio.EndOfStream
        end = min(self.offset + min(max_bytes, CHUNK), len(self._data))
        piece = self._data[self.offset : end]
        self.offset = end
        return piece

    async def aclose(self) -> None:
        pass


class ExitedProcess:
    """The child after a clean exit."""

    returncode = 0

    async def wait(self) -> int:
        return 0


def transport_over(stdout: MemoryStdout) -> SubprocessCLITransport:
    transport = SubprocessCLITransport(prompt="", options=ClaudeAgentOptions())
    transport._process = ExitedProcess()  # type: ignore[assignment]
    transport._stdout_stream = TextReceiveStream(stdout)
    return transport


async def read_all(stdout: MemoryStdout) -> tuple[int, int]:
    """Dicts the transport yielded, and how many parse_message turned into typed messages."""
    dicts = typed = 0
    async for data in transport_over(stdout).read_messages():
        dicts += 1
        if parse_message(data) is not None:
            typed += 1
    return dicts, typed


def max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def throughput(path: str, runs: int, warmup: int) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    for _ in range(warmup):
        anyio.run(read_all, MemoryStdout(data))
    secs = []
    dicts = typed = 0
    for _ in range(runs):
        start = time.perf_counter()
        dicts, typed = anyio.run(read_all, MemoryStdout(data))
        secs.append(time.perf_counter() - start)
    return {"bytes": len(data), "dicts": dicts, "typed": typed, "secs": secs}


def bigline(path: str) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    rss_before = max_rss_kib()
    stdout = MemoryStdout(data)
    start = time.perf_counter()
    try:
        dicts, typed = anyio.run(read_all, stdout)
        outcome = f"parsed {dicts} message(s)"
    except Exception as e:  # noqa: BLE001 -- recording how it fails is the point
        kind = f"{type(e).__module__}.{type(e).__qualname__}"
        outcome = (
            f"fails: `{kind}`: \"{str(e)[:160]}\" after reading {stdout.offset} of "
            f"{len(data)} bytes"
        )
    return {
        "line_bytes": len(data.rstrip(b"\n")),
        "outcome": outcome,
        "secs": time.perf_counter() - start,
        "rss_before_kib": rss_before,
        "max_rss_kib": max_rss_kib(),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("throughput", "bigline"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, path = argv[0], argv[1]
    if mode == "throughput":
        opts = {"--runs": 5, "--warmup": 0}
        rest = argv[2:]
        for flag, value in zip(rest[::2], rest[1::2]):
            if flag not in opts:
                print(__doc__, file=sys.stderr)
                return 2
            opts[flag] = int(value)
        result = throughput(path, max(opts["--runs"], 1), opts["--warmup"])
    else:
        result = bigline(path)
    result["python"] = sys.version.split()[0]
    result["sdk"] = claude_agent_sdk.__version__
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
