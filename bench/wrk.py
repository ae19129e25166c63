"""Load from ``wrk`` (Debian's package): a Lua script cycling through a fixed list of requests.

wrk is a real load generator written in C: it keeps its connections busy without the client
becoming the bottleneck, which a Python client would on 2 cores. The script below gives each
thread the same list of requests, starting at a different offset, and prints one JSON line in
``done`` with the throughput and the latency percentiles (microseconds) of the whole run.
Responses with a status of 400 or more, and socket errors, are counted as errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
local requests = {}
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

init = function(args)
  for _, r in ipairs(REQUESTS) do
    table.insert(requests, wrk.format("GET", r[1], r[2], nil))
  end
  counter = offset * 7
end

request = function()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

done = function(summary, latency, requests_)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %f, "errors": %d, "status_errors": %d, '
    .. '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Request:
    """One GET: a path with its query string, and its request headers."""

    path: str
    headers: dict[str, str]


def lua_string(text: str) -> str:
    """A Lua long-bracket-free quoted string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def script(requests: list[Request]) -> str:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in r.headers.items())
        rows.append(f"  {{{lua_string(r.path)}, {{{headers}}}}},")
    return "REQUESTS = {\n" + "\n".join(rows) + "\n}\n" + LUA


def executable() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: run `make bench` (it installs wrk) or apt-get")
    return found


def run(
    root: str, requests: list[Request], connections: int, seconds: float, timeout: float = 10
) -> dict[str, float]:
    """One round of load on ``root`` (``http://127.0.0.1:PORT``); wrk's figures as a dict."""
    threads = min(2, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script(requests))
        lua = Path(handle.name)
    try:
        done = subprocess.run(
            [
                executable(),
                f"--threads={threads}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                f"--timeout={round(timeout)}s",
                f"--script={lua}",
                root,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        lua.unlink()
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            figures = json.loads(line[len("WRKJSON ") :])
            figures["rps"] = figures["requests"] / figures["seconds"]
            return figures
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
