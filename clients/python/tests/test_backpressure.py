"""Back-pressure: when the server is slower than the sender, a stream takes chunks from the
caller's iterable only as fast as the server reads them, for the sync client and the asyncio one.

The server here is slow because the caller does not read the results yet: the daemon processes a
chunk only while the client can take its result, so once the client's receive window holds all
the results it will take, the daemon stops reading chunks, its queue and HTTP/2 window fill, and
a client with back-pressure stops pulling chunks from the producer. One that buffered what it is
given would drain the whole producer (MANY chunks). After the check the producer ends early and
the stream must still deliver a result for every chunk it sent, in order."""
import asyncio
import threading
import time

import numpy as np

import remotemedia
import remotemedia.aio
from conftest import TOKEN

# 16 kHz in, 48 kHz out: each result is three times its chunk, so the client's window fills early
UPSAMPLE = {"version": "v1", "metadata": {"name": "up"},
            "nodes": [{"id": "up", "node_type": "AudioResample", "params": {"target_sample_rate": 48000}}]}
CHUNK = remotemedia.Audio(np.zeros(1600, np.float32), 16000)  # 100 ms, 6.4 kB on the wire
MANY = 20000  # 128 MB of chunks: what a client without back-pressure would take from the producer
# Chunks in flight at most: the server's stream window (1 MiB) and queue (16 chunks), plus the
# chunks whose results fill the client's receive window (grpc's BDP probing grows it to a few MB).
# Measured: about 330.
BOUND = 2500
QUIET_POLLS = 12  # the producer counts as held back after this many polls without a chunk taken
POLL_S = 0.25
DEADLINE_S = 90


class Producer:
    """MANY chunks, counting those taken; after stop() it ends at the next one asked for."""

    def __init__(self):
        self.taken = 0
        self.stopped = threading.Event()

    def chunks(self):
        for _ in range(MANY):
            if self.stopped.is_set():
                return
            self.taken += 1
            yield CHUNK

    def stop(self):
        self.stopped.set()


def held_back(counter):
    """Polls counter() until it stops growing (QUIET_POLLS polls) or passes BOUND, at most
    DEADLINE_S; returns the count then. Driven by wait_held_back(_async), POLL_S between steps."""
    last, quiet, end = -1, 0, time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        yield
        n = counter()
        if n > BOUND:
            return n
        quiet = quiet + 1 if n == last else 0
        last = n
        if quiet >= QUIET_POLLS and n > 0:
            return n
    return counter()


def wait_held_back(counter):
    poll = held_back(counter)
    try:
        while True:
            next(poll)
            time.sleep(POLL_S)
    except StopIteration as e:
        return e.value


async def wait_held_back_async(counter):
    poll = held_back(counter)
    try:
        while True:
            next(poll)
            await asyncio.sleep(POLL_S)  # the loop runs the producer meanwhile
    except StopIteration as e:
        return e.value


def check_results(sequences, sent, taken):
    assert sent == taken, "the stream sent %d chunks of the %d it took" % (sent, taken)
    # a result per chunk, in order (the resampler's tail may add one more)
    assert sequences[:sent] == list(range(sent)) and len(sequences) in (sent, sent + 1), sequences[-3:]


def test_sync_stream_takes_chunks_only_as_fast_as_the_server_reads_them(server):
    p = Producer()
    with remotemedia.Client(server.target, token=TOKEN) as c:
        c.execute(UPSAMPLE, {"up": CHUNK})  # a warm server: a stall below is flow control, not start-up
        s = c.stream(UPSAMPLE, p.chunks())
        taken = wait_held_back(lambda: p.taken)
        assert 0 < taken <= BOUND, "the client took %d of %d chunks while no result was read" % (taken, MANY)
        p.stop()
        sequences = [r.sequence for r in s]
    assert s.closed is not None
    check_results(sequences, s.sent, p.taken)


def test_asyncio_stream_takes_chunks_only_as_fast_as_the_server_reads_them(server):
    p = Producer()

    async def chunks():  # an async producer, as a microphone would be
        for chunk in p.chunks():
            yield chunk

    async def main():
        async with remotemedia.aio.Client(server.target, token=TOKEN) as c:
            await c.execute(UPSAMPLE, {"up": CHUNK})  # a warm server: a stall below is flow control, not start-up
            s = c.stream(UPSAMPLE, chunks())
            taken = await wait_held_back_async(lambda: p.taken)
            assert 0 < taken <= BOUND, "the client took %d of %d chunks while no result was read" % (taken, MANY)
            p.stop()
            sequences = [r.sequence async for r in s]
            return s, sequences

    s, sequences = asyncio.run(main())
    assert s.closed is not None
    check_results(sequences, s.sent, p.taken)
