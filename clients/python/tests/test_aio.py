"""The asyncio twin against the real daemon."""
import asyncio

import numpy as np
import pytest

import remotemedia
import remotemedia.aio
from conftest import TOKEN

GAIN = {"version": "v1", "metadata": {"name": "g"},
        "nodes": [{"id": "g", "node_type": "Gain", "params": {"gain_db": -6.0206}}]}


def run(coro):
    return asyncio.run(coro)


def test_version_execute_and_stream(server):
    async def main():
        async with remotemedia.aio.Client(server.target, token=TOKEN) as c:
            v = await c.version()
            assert v.protocol_version == "v1"
            x = np.linspace(-1, 1, 1600, dtype=np.float32)
            r = await c.execute(GAIN, {"g": remotemedia.Audio(x, 16000)})
            assert np.allclose(r.audio["g"].samples, x * 0.5, atol=1e-5)

            async def chunks():
                for i in range(10):
                    yield remotemedia.Audio(x, 16000)
                    await asyncio.sleep(0)

            s = c.stream(GAIN, chunks())
            seqs = [res.sequence async for res in s]
            assert seqs == list(range(10)) and s.closed is not None

            with pytest.raises(remotemedia.NodeExecutionError):
                await c.execute({"version": "v1", "metadata": {"name": "d"}, "nodes": [
                    {"id": "d", "node_type": "CalculatorNode", "params": {"operation": "divide", "value": 0}}]},
                    {"d": 1})
    run(main())


def test_wrong_token_and_cancel(server):
    async def main():
        async with remotemedia.aio.Client(server.target, token="wrong") as c:
            with pytest.raises(remotemedia.AuthenticationError):
                await c.version()
        async with remotemedia.aio.Client(server.target, token=TOKEN) as c:
            gate = asyncio.Event()

            async def chunks():
                yield remotemedia.Audio(np.zeros(160, np.float32), 16000)
                await gate.wait()  # the producer stalls; the caller cancels

            s = c.stream(GAIN, chunks())
            first = await s.__anext__()
            assert first.sequence == 0
            s.cancel()
            with pytest.raises(remotemedia.CancelledError):
                await s.__anext__()
    run(main())
