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


#: A stream of items from a file (``bench.workload``): one item a line, ``accept<TAB>path[<TAB>
#: path]``. Thread ``t`` of ``T`` takes lines ``t, t + T, …`` so no two threads ask the same item;
#: an item of two paths (a 303 and its document) sends both, one after the other. A thread that
#: reaches the end of its lines starts them again and counts it in ``wrapped``: the harness then
#: discards the figure rather than report a replay a cache would answer. With ``FINITE`` (a list
#: to ask once, as a crawl), a thread that reaches the end stops instead (``thread:stop()``), and
#: the run lasts from the first request to the last thread's stop, read from the monotonic clock
#: through LuaJIT's FFI (wrk's own duration is always the whole ``--duration``); a request still
#: in flight when its thread stops is not counted.
STREAM_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } ictkg_timespec;
int clock_gettime(int clock_id, ictkg_timespec *now);
]]
local clock = ffi.new("ictkg_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local threads = {}
local items = {}
local pos = 0
local pending = nil
issued = 0
wrapped = 0
first_us = 0
stopped_us = 0

setup = function(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

init = function(args)
  local n = 0
  for line in io.lines(FILE) do
    if n % THREADS == offset then
      local fields = {}
      for f in string.gmatch(line, "[^\t]+") do table.insert(fields, f) end
      local made = {}
      for i = 2, #fields do
        table.insert(made, wrk.format("GET", fields[i], {["Accept"] = fields[1]}, nil))
      end
      table.insert(items, made)
    end
    n = n + 1
  end
end

local verified = false

request = function()
  -- wrk calls the first thread's request() once before the run, to count the requests in what
  -- it returns (script_verify_request): that call must take no item from the list.
  if offset == 0 and not verified then
    verified = true
    return wrk.format("GET", "/")
  end
  if first_us == 0 then first_us = now_us() end
  if pending ~= nil then
    local r = pending
    pending = nil
    return r
  end
  pos = pos + 1
  if pos > #items then
    if FINITE then
      if stopped_us == 0 then
        stopped_us = now_us()
        wrk.thread:stop()
      end
      pos = #items
      -- The loop stops before this request's answer can be read; an empty list asks for "/".
      if #items == 0 then return wrk.format("GET", "/") end
      return items[pos][1]
    end
    pos = 1
    wrapped = wrapped + 1
  end
  issued = issued + 1
  local made = items[pos]
  if #made > 1 then pending = made[2] end
  return made[1]
end

done = function(summary, latency, requests_)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  local counts, wraps, stopped = {}, 0, 0
  local first, last = nil, 0
  for _, t in ipairs(threads) do
    table.insert(counts, string.format("%d", t:get("issued")))
    wraps = wraps + t:get("wrapped")
    local began, ended = t:get("first_us"), t:get("stopped_us")
    if ended > 0 then stopped = stopped + 1 end
    if began > 0 and (first == nil or began < first) then first = began end
    if ended > last then last = ended end
  end
  local seconds = summary.duration / 1e6
  if stopped == #threads and first ~= nil then seconds = (last - first) / 1e6 end
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %f, "errors": %d, "status_errors": %d, '
    .. '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"issued": [%s], "wrapped": %d, "finished": %s}\n',
    summary.requests, seconds, errors, summary.errors.status,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, table.concat(counts, ", "), wraps,
    tostring(stopped == #threads)))
end
"""


def run_stream(
    root: str,
    lines: list[str],
    connections: int,
    seconds: float,
    timeout: float = 10,
    *,
    finite: bool = False,
) -> dict[str, float]:
    """One round of load asking ``lines`` (items, see :data:`STREAM_LUA`) in order.

    Besides wrk's figures: ``issued`` (items handed out, per thread), ``consumed`` (how far into
    ``lines`` the run went: the next run starts there) and ``wrapped`` (threads that ran out of
    lines and started again: the figure is then a replay and must not be reported as new
    requests). ``finite``: each line is asked at most once, the run ends when every thread
    has asked its lines (``finished``) or at ``seconds``, whichever comes first."""
    threads = min(2, connections)
    with tempfile.TemporaryDirectory(prefix="ictkg-bench-") as work:
        listing = Path(work) / "items.tsv"
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        lua = Path(work) / "stream.lua"
        lua.write_text(
            f"FILE = {lua_string(str(listing))}\nTHREADS = {threads}\n"
            f"FINITE = {'true' if finite else 'false'}\n" + STREAM_LUA
        )
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
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            figures = json.loads(line[len("WRKJSON ") :])
            figures["rps"] = figures["requests"] / figures["seconds"]
            figures["consumed"] = min(len(lines), threads * max(figures["issued"], default=0))
            return figures
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
