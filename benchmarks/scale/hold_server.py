#!/usr/bin/env python3
"""A loopback HTTP/1.1 server that keeps every connection open: each request is answered
200 "ok" (keep-alive) after DELAY seconds, so a closed-model client holds all its connections
busy and open at once. For benchmarks/scale/connections.sh.

    hold_server.py [--delay 2.0] [--stats FILE]

Prints the port (an ephemeral one on 127.0.0.1) on its first line of stdout. On SIGTERM/SIGINT
it writes "open=N peak=N accepted=N requests=N" to --stats (or stdout) and exits.
"""
import argparse
import asyncio
import resource
import signal
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Counters:
    open = 0
    peak = 0
    accepted = 0
    requests = 0


async def serve(reader, writer, delay, c):
    c.open += 1
    c.accepted += 1
    c.peak = max(c.peak, c.open)
    try:
        while True:
            # The harness sends GETs with no body: a request ends at its blank line.
            await reader.readuntil(b"\r\n\r\n")
            c.requests += 1
            await asyncio.sleep(delay)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        c.open -= 1
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--delay", type=float, default=2.0)
    p.add_argument("--stats")
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    c = Counters()
    server = await asyncio.start_server(lambda r, w: serve(r, w, a.delay, c), "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    await stop.wait()
    line = f"open={c.open} peak={c.peak} accepted={c.accepted} requests={c.requests}\n"
    if a.stats:
        with open(a.stats, "w") as f:
            f.write(line)
    else:
        sys.stdout.write(line)
    server.close()


asyncio.run(main())
