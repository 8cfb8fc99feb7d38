// The opt-in retry of a stream refused before its session is admitted, against a small grpc-js
// server that refuses as the daemon does (UNAVAILABLE + RetryInfo in grpc-status-details-bin).
import * as grpc from '@grpc/grpc-js';
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Audio, CancelledError, Client, UnavailableError } from '../src';
import { RetryInfo, Status as RpcStatus } from '../src/gen/remotemedia/rpc/details';
import { StreamResponse, StreamingPipelineServiceService } from '../src/gen/remotemedia/v1/streaming';

const GAIN = { version: 'v1', metadata: { name: 'g' }, nodes: [{ id: 'g', node_type: 'Gain', params: {} }] };

/**
 * Refuses its first `refusals` calls after reading the init and `read` chunks (the client has taken
 * them from its iterable by then); admits later ones: StreamReady, one ChunkResult per chunk with its
 * sequence, StreamClosed on CLOSE. With failAfterReady, an admitted call is refused after StreamReady.
 * attempts: the chunk sequences each call received; started / refused: their Date.now().
 */
class RefusingStreams {
  readonly attempts: number[][] = [];
  readonly started: number[] = [];
  readonly refused: number[] = [];
  private server = new grpc.Server();
  target = '';

  constructor(private readonly opts: { refusals?: number; delayMs: number; read?: number; failAfterReady?: boolean }) {}

  private refuse(call: grpc.ServerDuplexStream<any, any>): void {
    const md = new grpc.Metadata();
    md.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode({ code: 14, message: 'too many sessions', details: [
      { typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: Buffer.from(RetryInfo.encode({ retryDelay: {
        seconds: Math.floor(this.opts.delayMs / 1000), nanos: (this.opts.delayMs % 1000) * 1e6 } }).finish()) }] }).finish()));
    this.refused.push(Date.now());
    call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'too many sessions', metadata: md });
  }

  async start(): Promise<this> {
    this.server.addService(StreamingPipelineServiceService as any, {
      streamPipeline: (call: grpc.ServerDuplexStream<any, any>) => {
        const seqs: number[] = [];
        this.attempts.push(seqs);
        this.started.push(Date.now());
        const refusing = this.attempts.length <= (this.opts.refusals ?? 1);
        let read = 0;
        let gone = false;
        call.on('error', () => {});
        call.on('data', (r: any) => {
          if (gone) return;
          const req = r.request;
          if (refusing) {
            if (req?.$case === 'audioChunk') seqs.push(req.audioChunk.sequence);
            if (++read === 1 + (this.opts.read ?? 2)) {
              gone = true;
              this.refuse(call);
            }
          } else if (req?.$case === 'init') {
            call.write(StreamResponse.fromPartial({ response: { $case: 'ready', ready: { sessionId: `s${this.attempts.length}` } } }));
            if (this.opts.failAfterReady) {
              gone = true;
              this.refuse(call);
            }
          } else if (req?.$case === 'audioChunk') {
            seqs.push(req.audioChunk.sequence);
            call.write(StreamResponse.fromPartial({ response: { $case: 'result', result: { sequence: req.audioChunk.sequence } } }));
          } else if (req?.$case === 'control') {
            call.write(StreamResponse.fromPartial({ response: { $case: 'closed', closed: { reason: 'closed by client' } } }));
            call.end();
          }
        });
      },
    });
    const port = await new Promise<number>((res, rej) => this.server.bindAsync('127.0.0.1:0',
      grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    this.target = `127.0.0.1:${port}`;
    return this;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

function numbered(n: number, taken: number[]): AsyncIterable<Audio> {
  return (async function* () {
    for (let i = 0; i < n; i++) {
      taken.push(i);
      yield new Audio(new Float32Array(160).fill(i / n), 16000);
    }
  })();
}

test('a stream refused before admission is retried with the chunks already taken', async () => {
  const fake = await new RefusingStreams({ delayMs: 500, read: 2 }).start();
  const c = new Client(fake.target, { retry: { maxAttempts: 3 } });
  try {
    const taken: number[] = [];
    const s = c.stream(GAIN, numbered(8, taken));
    const seqs = (await s.results()).map((r) => r.sequence);
    assert.equal(fake.attempts.length, 2);
    assert.deepEqual(fake.attempts[0], [0, 1]); // taken by the refused attempt: written again
    assert.deepEqual(fake.attempts[1], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(fake.started[1] - fake.refused[0] >= 0.8 * 500, `waited ${fake.started[1] - fake.refused[0]} ms`);
    assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(s.sent, 8);
    assert.deepEqual(taken, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(s.ready?.sessionId, 's2');
    assert.equal(s.closed?.reason, 'closed by client');
  } finally {
    c.close();
    fake.stop();
  }
});

test('a stream is not retried without retry, nor after admission', async () => {
  const fake = await new RefusingStreams({ delayMs: 50 }).start();
  const admitted = await new RefusingStreams({ refusals: 0, delayMs: 50, failAfterReady: true }).start();
  const once = new Client(fake.target);
  const c = new Client(admitted.target, { retry: { maxAttempts: 3 } });
  try {
    await assert.rejects(once.stream(GAIN, numbered(8, [])).results(),
      (e: unknown) => e instanceof UnavailableError && e.retryable);
    assert.equal(fake.attempts.length, 1);
    await assert.rejects(c.stream(GAIN, numbered(8, [])).results(), (e: unknown) => e instanceof UnavailableError);
    assert.equal(admitted.attempts.length, 1); // admitted (StreamReady came): never opened again
  } finally {
    once.close();
    c.close();
    fake.stop();
    admitted.stop();
  }
});

test('a stream retry keeps within the caller\'s timeout, and cancel() ends its wait', async () => {
  const fake = await new RefusingStreams({ refusals: 2, delayMs: 5000 }).start();
  const c = new Client(fake.target, { retry: { maxAttempts: 3 } });
  try {
    await assert.rejects(c.stream(GAIN, numbered(8, []), { timeoutMs: 1000 }).results(),
      (e: unknown) => e instanceof UnavailableError); // waiting 5 s would overrun the 1 s given
    assert.equal(fake.attempts.length, 1);
    const s = c.stream(GAIN, numbered(8, []));
    setTimeout(() => s.cancel(), 500); // during the 5 s wait
    await assert.rejects(s.results(), (e: unknown) => e instanceof CancelledError);
    assert.equal(fake.attempts.length, 2);
  } finally {
    c.close();
    fake.stop();
  }
});
