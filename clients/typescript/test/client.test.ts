// The TypeScript client against the real daemon, and against small grpc-js servers that misbehave
// on purpose: results checked against analytic signals; every bad case a typed error, never a hang.
import * as grpc from '@grpc/grpc-js';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Audio, AuthenticationError, CancelledError, Client, InvalidAudioError, NodeExecutionError, RpcError,
  StreamInterruptedError, UnavailableError, ValidationError,
} from '../src';
import { RetryInfo, Status as RpcStatus } from '../src/gen/remotemedia/rpc/details';
import { PipelineExecutionServiceService, VersionResponse } from '../src/gen/remotemedia/v1/execution';
import { StreamResponse, StreamingPipelineServiceService } from '../src/gen/remotemedia/v1/streaming';
import { acceptToken, Daemon, EXAMPLES, selfSignedCert } from './server';

const TOKEN = 't0ken';
const GAIN = { version: 'v1', metadata: { name: 'g' }, nodes: [{ id: 'g', node_type: 'Gain', params: { gain: 0.5 } }] };
const RESAMPLE = fs.readFileSync(path.join(EXAMPLES, 'resample-16k.json'), 'utf8');

function sine(frames: number, rate: number): Float32Array {
  const s = new Float32Array(frames);
  for (let i = 0; i < frames; i++) s[i] = 0.5 * Math.sin(2 * Math.PI * 440 * i / rate);
  return s;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function fake(service: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation)
  : Promise<[grpc.Server, string]> {
  const s = new grpc.Server();
  s.addService(service, impl);
  const port = await new Promise<number>((res, rej) => s.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
    (e, p) => (e ? rej(e) : res(p))));
  return [s, `127.0.0.1:${port}`];
}

describe('against the daemon', () => {
  let daemon: Daemon;
  let client: Client;
  before(async () => {
    daemon = await Daemon.start(acceptToken(TOKEN));
    client = new Client(daemon.target, { token: TOKEN });
  });
  after(async () => {
    client.close();
    await daemon.stop();
  });

  test('version and a resampled sine', async () => {
    const v = await client.version();
    assert.equal(v.protocolVersion, 'v1');
    assert.ok(v.nodeTypes.includes('CalculatorNode'));
    const r = await client.execute(RESAMPLE, { resample: new Audio(sine(44100, 44100), 44100) });
    const out = r.audio.resample;
    assert.equal(out.sampleRate, 16000);
    assert.equal(out.frames, 16000);
    assert.ok(out.samples instanceof Float32Array);
    for (let i = 2000; i < 14000; i += 997) {
      assert.ok(Math.abs(out.samples[i] - 0.5 * Math.sin(2 * Math.PI * 440 * i / 16000)) < 1e-4, `sample ${i}`);
    }
    assert.equal(r.status, 'EXECUTION_STATUS_SUCCESS');
  });

  test('Int16Array stereo in, data nodes on every number form', async () => {
    const pcm = new Int16Array(3200);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(16000 * Math.sin(i / 10));
    const r = await client.execute(GAIN, { g: new Audio(pcm, 16000, 2) });
    assert.equal(r.audio.g.channels, 2);
    assert.ok(Math.abs(r.audio.g.samples[101] - pcm[101] / 32768 * 0.5) < 1e-6);
    const calc = async (params: object, value: unknown, type = 'CalculatorNode') => (await client.execute(
      { version: 'v1', metadata: { name: 'c' }, nodes: [{ id: 'c', node_type: type, params }] }, { c: value })).data.c;
    assert.equal(await calc({ operation: 'add', operand: 5 }, 10), 15);
    assert.equal(await calc({ operation: 'subtract', value: 2 }, '"7.5"'), 5.5);
    assert.equal(await calc({ operation: 'multiply', operand: 6 }, { value: 7 }), 42);
    assert.equal(await calc({ operation: 'divide', operand: 4 }, 1), 0.25);
    assert.equal(await calc({ addend: 2 }, 40, 'AddNode'), 42);
    assert.equal(await calc({ factor: -2 }, { value: '2' }, 'MultiplyNode'), -4);
  });

  test('a stream: one result per chunk, in order; with a tail it equals execute', async () => {
    const pcm = sine(1600, 16000);
    const s = client.stream(GAIN, (function* () { for (let i = 0; i < 20; i++) yield new Audio(pcm, 16000); })());
    const results = await s.results();
    assert.deepEqual(results.map((r) => r.sequence), [...Array(20).keys()]);
    assert.ok(Math.abs(results[3].audio.g.samples[10] - pcm[10] * 0.5) < 1e-6);
    assert.equal(s.sent, 20);
    assert.ok(s.closed?.reason.includes('COMMAND_CLOSE'));

    const x = sine(44100, 44100);
    async function* chunks() {
      for (let i = 0; i < 44100; i += 4410) yield new Audio(x.subarray(i, i + 4410), 44100);
    }
    const parts: number[] = [];
    for await (const r of client.stream(RESAMPLE, chunks())) {
      if (r.audio.resample) parts.push(...r.audio.resample.samples);
    }
    const whole = (await client.execute(RESAMPLE, { resample: new Audio(x, 44100) })).audio.resample.samples;
    assert.equal(parts.length, 16000);
    assert.equal(whole.length, 16000);
    for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(parts[i] - whole[i]) < 1e-6, `sample ${i}`);
  });

  test('pipeline errors are typed', async () => {
    await assert.rejects(client.execute(fs.readFileSync(path.join(EXAMPLES, 'bad-params.json'), 'utf8'),
      { resample: new Audio(new Float32Array(160), 16000) }), (e: unknown) => e instanceof ValidationError
      && (e.context as any).problems[0].path === '/nodes/0/params/target_sample_rate');
    const div = { version: 'v1', metadata: { name: 'd' },
      nodes: [{ id: 'div', node_type: 'CalculatorNode', params: { operation: 'divide', operand: 0 } }] };
    await assert.rejects(client.execute(div, { div: 3 }), (e: unknown) => e instanceof NodeExecutionError
      && e.node === 'div' && e.message.includes('division by zero'));
    await assert.rejects(client.stream(div, [], { data: { div: 3 } }).results(), NodeExecutionError);
  });

  test('a wrong token', async () => {
    const wrong = new Client(daemon.target, { token: 'wrong' });
    try {
      await assert.rejects(wrong.version(), AuthenticationError);
      await assert.rejects(wrong.stream(GAIN, [new Audio(new Float32Array(16), 16000)]).results(), AuthenticationError);
    } finally {
      wrong.close();
    }
  });

  test('a stream cancelled by the caller', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    async function* chunks() {
      yield new Audio(new Float32Array(160), 16000);
      await gate; // the producer stalls; the caller cancels meanwhile
    }
    const s = client.stream(GAIN, chunks());
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value.sequence, 0);
    s.cancel();
    await assert.rejects(it.next(), CancelledError);
    release();
  });
});

test('unsupported arrays are InvalidAudioError', () => {
  assert.throws(() => new Audio(new Float64Array(10) as any, 16000), /Float64Array/);
  assert.throws(() => new Audio(new Uint8Array(10) as any, 16000), InvalidAudioError);
  assert.throws(() => new Audio(new Float32Array(3), 16000, 2), /whole number of 2-channel frames/);
  assert.throws(() => new Audio(new Float32Array(3), 0), /sampleRate/);
});

test('a server that is down', async () => {
  const c = new Client(`127.0.0.1:${await freePort()}`, { timeoutMs: 20_000 });
  try {
    await assert.rejects(c.version(), (e: unknown) => e instanceof UnavailableError && /is the server running/.test(e.message));
  } finally {
    c.close();
  }
});

test('a port that does not speak gRPC', async () => {
  const http = net.createServer((sock) => {
    sock.once('data', () => sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const c = new Client(`127.0.0.1:${(http.address() as net.AddressInfo).port}`, { timeoutMs: 20_000 });
  try {
    await assert.rejects(c.version(), RpcError);
  } finally {
    c.close();
    http.close();
  }
});

test('a server that ends the stream mid-way', async () => {
  const [srv, target] = await fake(StreamingPipelineServiceService as any, {
    streamPipeline: (call: grpc.ServerDuplexStream<any, any>) => {
      let chunks = 0;
      call.on('data', (r: any) => {
        if (r.request?.$case === 'init') call.write(StreamResponse.fromPartial({ response: { $case: 'ready', ready: { sessionId: 'fake' } } }));
        else if (r.request?.$case === 'audioChunk' && ++chunks === 2) call.end();
      });
      call.on('error', () => {});
    },
  });
  const c = new Client(target);
  try {
    const chunks = (function* () { for (let i = 0; i < 100; i++) yield new Audio(new Float32Array(160), 16000); })();
    await assert.rejects(c.stream(GAIN, chunks).results(), (e: unknown) => e instanceof StreamInterruptedError
      && /without StreamClosed/.test(e.message));
  } finally {
    c.close();
    srv.forceShutdown();
  }
});

test('retry is opt-in and honours RetryInfo', async () => {
  let calls = 0;
  const [srv, target] = await fake(PipelineExecutionServiceService as any, {
    getVersion: (_call: unknown, cb: grpc.sendUnaryData<VersionResponse>) => {
      calls++;
      if (calls % 2 === 1) {
        const md = new grpc.Metadata();
        md.set('grpc-status-details-bin', Buffer.from(RpcStatus.encode({ code: 14, message: 'overloaded', details: [
          { typeUrl: 'type.googleapis.com/google.rpc.RetryInfo',
            value: Buffer.from(RetryInfo.encode({ retryDelay: { seconds: 0, nanos: 50_000_000 } }).finish()) }] }).finish()));
        cb({ code: grpc.status.UNAVAILABLE, details: 'overloaded', metadata: md } as any, null);
        return;
      }
      cb(null, VersionResponse.fromPartial({ compatible: true }));
    },
  });
  try {
    const once = new Client(target);
    await assert.rejects(once.version(), (e: unknown) => e instanceof UnavailableError && e.retryable
      && e.retryDelaySeconds === 0.05);
    once.close();
    calls = 0;
    const retrying = new Client(target, { retry: { maxAttempts: 3 } });
    assert.equal((await retrying.version()).compatible, true);
    assert.equal(calls, 2);
    retrying.close();
  } finally {
    srv.forceShutdown();
  }
});

test('TLS with a private CA', async () => {
  const [cert, key] = selfSignedCert();
  const d = await Daemon.start(`transport.tls_cert_chain=${cert}`, `transport.tls_private_key=${key}`);
  try {
    const c = new Client(`localhost:${d.port}`, { tls: { ca: fs.readFileSync(cert) } });
    assert.equal((await c.version()).protocolVersion, 'v1');
    c.close();
    const plain = new Client(d.target, { timeoutMs: 20_000 });
    await assert.rejects(plain.version(), RpcError);
    plain.close();
  } finally {
    await d.stop();
  }
});
