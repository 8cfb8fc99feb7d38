package org.remotemedia.buffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ArrayBlockingQueue;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
    @Test
    void sizeClassesAreAlignedPowersOfTwo() {
        BufferPool pool = new BufferPool();
        assertEquals(4096, BufferPool.capacityFor(1));
        assertEquals(4096, BufferPool.capacityFor(4096));
        assertEquals(8192, BufferPool.capacityFor(4097));
        PooledBuffer b = pool.acquire(10_000, null);
        assertEquals(16384, b.capacity());
        assertEquals(0, b.address() % 64);
        assertEquals(16384, pool.inUseBytes());
        b.release();
        assertEquals(0, pool.inUseBytes());
        assertThrows(IllegalArgumentException.class, () -> BufferPool.sizeClassOf(BufferPool.MAX_CAPACITY + 1L));
    }

    @Test
    void releasedBlocksAreReusedAndDoubleReleaseIsCaught() {
        BufferPool pool = new BufferPool();
        PooledBuffer a = pool.acquire(5000, null);
        a.release();
        PooledBuffer b = pool.acquire(6000, null);
        assertSame(a, b);
        assertEquals(8192, pool.allocatedBytes());
        b.release();
        assertThrows(IllegalStateException.class, b::release);
    }

    @Test
    void accountsTrackInUseAndPeakAndTheLimit() {
        BufferPool pool = new BufferPool();
        MemoryAccount acct = new MemoryAccount(20_000);
        PooledBuffer a = pool.acquire(4096, acct);
        PooledBuffer b = pool.acquire(8192, acct);
        assertEquals(12288, acct.inUseBytes());
        assertTrue(acct.fits(4096));
        assertTrue(!acct.fits(16384));
        a.release();
        b.release();
        assertEquals(0, acct.inUseBytes());
        assertEquals(12288, acct.peakBytes());
        assertEquals(12288, pool.peakBytes());
    }

    @Test
    void anotherThreadMayRelease() throws Exception {
        BufferPool pool = new BufferPool();
        MemoryAccount acct = MemoryAccount.unlimited();
        ArrayBlockingQueue<PooledBuffer> q = new ArrayBlockingQueue<>(1000);
        Thread releaser = new Thread(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    q.take().release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        releaser.start();
        for (int i = 0; i < 1000; i++) {
            q.put(pool.acquire(4096 * (1 + i % 3), acct));
        }
        releaser.join();
        assertEquals(0, pool.inUseBytes());
        assertEquals(0, acct.inUseBytes());
        assertTrue(pool.retainedBytes() > 0);
    }

    @Test
    void retentionIsBounded() {
        BufferPool pool = new BufferPool(8192);
        PooledBuffer a = pool.acquire(8192, null);
        PooledBuffer b = pool.acquire(8192, null);
        a.release();
        b.release(); // over the retention bound: dropped
        assertEquals(8192, pool.retainedBytes());
        assertEquals(8192, pool.allocatedBytes());
    }

    @Test
    void aBurstOfThousandsOfBlocksIsReusedNotAllocatedAgain() {
        BufferPool pool = new BufferPool();
        int burst = 2_000; // 800 streaming sessions hold about this many 32 KiB blocks at a peak
        PooledBuffer[] held = new PooledBuffer[burst];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < burst; i++) {
                held[i] = pool.acquire(19_200, null);
            }
            for (int i = 0; i < burst; i++) {
                held[i].release();
            }
        }
        assertEquals(burst, pool.allocations(), "the first burst allocates, the next two reuse");
        assertEquals((long) burst * 32_768, pool.allocatedBytes(), "and all of it is kept for reuse");
        assertEquals(3L * burst, pool.acquisitions());
    }

    @Test
    void freeListsAreSizedByTheRetentionBound() {
        long retain = 256L << 20;
        assertEquals(BufferPool.MAX_QUEUE_SLOTS, BufferPool.queueSlots(retain, 12));
        assertEquals(8192, BufferPool.queueSlots(retain, 15));
        assertEquals(BufferPool.MIN_QUEUE_SLOTS, BufferPool.queueSlots(retain, 30));
    }

    @Test
    void trimLetsGoOfWhatABurstLeftAndKeepsTheWorkingSet() {
        BufferPool pool = new BufferPool();
        PooledBuffer[] burst = new PooledBuffer[1_000];
        for (int i = 0; i < burst.length; i++) {
            burst[i] = pool.acquire(19_200, null);
        }
        for (PooledBuffer b : burst) {
            b.release();
        }
        assertEquals(0, pool.trim(), "the interval saw the free list empty: every block was needed");
        // a steady working set of 10 blocks from now on
        for (int round = 0; round < 50; round++) {
            PooledBuffer[] work = new PooledBuffer[10];
            for (int i = 0; i < work.length; i++) {
                work[i] = pool.acquire(19_200, null);
            }
            for (PooledBuffer b : work) {
                b.release();
            }
        }
        assertEquals(990L * 32_768, pool.trim(), "the 990 blocks nobody needed go");
        assertEquals(10L * 32_768, pool.allocatedBytes(), "the working set stays");
        assertEquals(1_000, pool.allocations());
        PooledBuffer again = pool.acquire(19_200, null);
        assertEquals(1_000, pool.allocations(), "served from what stayed");
        again.release();
        assertEquals(9L * 32_768, pool.trim(), "idle a whole interval but one block");
    }
}
