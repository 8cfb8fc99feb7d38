// Back-pressure: when the server is slower than the sender, a stream takes chunks from the
// caller's iterable only as fast as the server reads them.
//
// The server here is slow because the caller does not read the results yet: the daemon processes
// a chunk only while the client can take its result, so once the client's receive window holds
// all the results it will take, the daemon stops reading chunks, its queue and HTTP/2 window
// fill, and a client with back-pressure stops pulling chunks from the producer. One that buffered
// what it is given would drain the whole producer (MANY chunks). After the check the producer
// ends early and the stream must still deliver a result for every chunk it sent, in order.
import * as assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Audio, Client } from '../src';
import { Daemon } from './server';

// 16 kHz in, 48 kHz out: each result is three times its chunk, so the client's window fills early
const UPSAMPLE = { version: 'v1', metadata: { name: 'up' },
  nodes: [{ id: 'up', node_type: 'AudioResample', params: { target_sample_rate: 48000 } }] };
const MANY = 20_000; // 128 MB of 100 ms chunks: what a client without back-pressure would take
// Chunks in flight at most: the server's stream window (1 MiB) and queue (16 chunks), plus the
// chunks whose results fill the client's receive window and the call's read-ahead (16 responses).
// Measured: 175.
const BOUND = 2500;
const QUIET_POLLS = 12; // the producer counts as held back after this many polls without a chunk taken
const POLL_MS = 250;
const DEADLINE_MS = 90_000;

let daemon: Daemon;
let client: Client;
before(async () => {
  daemon = await Daemon.start();
  client = new Client(daemon.target);
});
after(async () => {
  client.close();
  await daemon.stop();
});

test('a stream takes chunks only as fast as the server reads them', async () => {
  const chunk = new Audio(new Float32Array(1600), 16000); // 100 ms, 6.4 kB on the wire
  let taken = 0;
  let stopped = false;
  function* chunks() {
    for (let i = 0; i < MANY && !stopped; i++) {
      taken++;
      yield chunk;
    }
  }
  await client.execute(UPSAMPLE, { up: chunk }); // a warm server: a stall below is flow control, not start-up
  const s = client.stream(UPSAMPLE, chunks());

  // wait until the producer is held back (no chunk taken for QUIET_POLLS polls) or past BOUND
  let last = -1;
  let quiet = 0;
  const end = Date.now() + DEADLINE_MS;
  while (Date.now() < end && taken <= BOUND && !(quiet >= QUIET_POLLS && taken > 0)) {
    await sleep(POLL_MS);
    quiet = taken === last ? quiet + 1 : 0;
    last = taken;
  }
  const held = taken;
  assert.ok(held > 0 && held <= BOUND, `the client took ${held} of ${MANY} chunks while no result was read`);

  stopped = true;
  const sequences: number[] = [];
  for await (const r of s) sequences.push(r.sequence);
  assert.equal(s.sent, taken, `the stream sent ${s.sent} chunks of the ${taken} it took`);
  // a result per chunk, in order (the resampler's tail may add one more)
  assert.deepEqual(sequences.slice(0, s.sent), [...Array(s.sent).keys()]);
  assert.ok(sequences.length === s.sent || sequences.length === s.sent + 1, `${sequences.length} results`);
  assert.ok(s.closed?.reason.includes('COMMAND_CLOSE'));
});
