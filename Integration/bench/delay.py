"""A WAN stand-in for the benchmark: a TCP proxy in front of each loopback host that delays
every byte by half the round-trip time in each direction (this kernel has no netem).

    delay.py --rtt MS --listen FIRST --target FIRST --count N --pid-file PATH

Listens on 127.0.0.1:LISTEN+i and forwards to 127.0.0.1:TARGET+i for i < N. Bytes keep their
order and arrive RTT/2 after the proxy read them; a new connection also waits one RTT before any
byte moves, as TCP's own handshake costs a real connection a round trip. Bandwidth is not
limited, and the proxy's own CPU is not any tool's. It runs until SIGTERM or SIGINT.
"""
import argparse
import asyncio
import os
import signal


TRACE = None  # with --trace FILE: one line per chunk read (time, direction, bytes), to count turns


async def pump(reader, writer, delay, direction=""):
    """Copies reader to writer, each chunk `delay` seconds after it was read; EOF likewise."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            if TRACE:
                TRACE.write(f"{loop.time():.4f} {direction} {len(data)}\n")
                TRACE.flush()
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()


async def handle(client_reader, client_writer, target, rtt):
    try:
        # What TCP's three-way handshake costs a real connection before its first byte.
        await asyncio.sleep(rtt)
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(pump(client_reader, upstream_writer, rtt / 2, f"{target}>"),
                             pump(upstream_reader, client_writer, rtt / 2, f"{target}<"), return_exceptions=True)
    finally:
        for w in (client_writer, upstream_writer):
            w.close()


async def serve(args):
    rtt = args.rtt / 1000.0
    servers, connections = [], set()
    for i in range(args.count):
        target = args.target + i

        async def on_connect(r, w, target=target):
            task = asyncio.current_task()
            connections.add(task)
            try:
                await handle(r, w, target, rtt)
            except asyncio.CancelledError:
                pass
            finally:
                connections.discard(task)

        servers.append(await asyncio.start_server(on_connect, "127.0.0.1", args.listen + i, backlog=512))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with open(args.pid_file, "w") as f:
        f.write(f"{os.getpid()}\n")
    await stop.wait()
    for s in servers:
        s.close()
    # Connections still open (a client that never closed) end with the proxy, quietly.
    for task in list(connections):
        task.cancel()
    await asyncio.gather(*connections, return_exceptions=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rtt", type=float, required=True, help="round-trip time in milliseconds")
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--target", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--pid-file", required=True)
    p.add_argument("--trace", help="append a line per chunk read to this file")
    args = p.parse_args()
    global TRACE
    TRACE = open(args.trace, "a") if args.trace else None
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
