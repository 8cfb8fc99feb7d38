import { ChannelCredentials, ClientDuplexStream, Metadata, credentials, status as Status } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Audio } from './audio';
import {
  CancelledError, InvalidAudioError, RemoteMediaError, RpcError, StreamInterruptedError, pipelineError, rpcError,
} from './errors';
import { ExecutionStatus, executionStatusToJSON } from './gen/remotemedia/v1/common';
import {
  ExecuteRequest, ExecuteResponse, PipelineExecutionServiceClient, VersionResponse,
} from './gen/remotemedia/v1/execution';
import {
  ChunkResult as ChunkResultProto, StreamClosed, StreamControl_Command, StreamReady, StreamRequest, StreamResponse,
  StreamingPipelineServiceClient,
} from './gen/remotemedia/v1/streaming';

const CLIENT_VERSION = 'v1';
const MAX_MESSAGE_BYTES = 256 << 20;

export interface ClientOptions {
  /** Bearer token (auth.tokens on the server). */
  token?: string;
  /** true: TLS with the system's CAs; { ca }: TLS trusting this CA certificate (PEM). Default: plaintext h2c. */
  tls?: boolean | { ca: Buffer | string };
  /** Host name the server certificate names, when the target's differs. */
  authority?: string;
  /** Deadline of each unary call in ms (default 60000). */
  timeoutMs?: number;
  /**
   * Opt-in retry of calls the server marks retryable (UNAVAILABLE or RESOURCE_EXHAUSTED with
   * RetryInfo), each after the delay it asks for (at most maxDelayMs, default 30000): attempts in all
   * (default 1: none). Unary calls, and a stream refused before its session is admitted; an
   * admitted session is never retried.
   */
  retry?: { maxAttempts: number; maxDelayMs?: number };
}

/** Inputs of a call: node id -> Audio, or JSON data (any JSON value, or JSON text as a string). */
export type Inputs = Record<string, Audio | unknown>;
export type Manifest = string | object;

export interface Version {
  protocolVersion: string;
  runtimeVersion: string;
  nodeTypes: string[];
  compatible: boolean;
  message: string;
}

export interface Result {
  audio: Record<string, Audio>;
  data: Record<string, unknown>;
  metrics: unknown;
  nodeResults: unknown[];
  status: string;
}

export interface ChunkResult {
  sequence: number;
  audio: Record<string, Audio>;
  data: Record<string, unknown>;
  processingTimeMs: number;
  totalSamplesProcessed: number;
}

export type Chunk = Audio | [string, Audio];

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function manifestJson(m: Manifest): string {
  return typeof m === 'string' ? m : JSON.stringify(m);
}

function split(inputs: Inputs | undefined, data: Record<string, unknown> | undefined) {
  const audio: Record<string, ReturnType<Audio['toProto']>> = {};
  const dataInputs: Record<string, string> = {};
  for (const [node, v] of Object.entries(inputs ?? {})) {
    if (v instanceof Audio) {
      audio[node] = v.toProto();
    } else if (ArrayBuffer.isView(v)) {
      throw new InvalidAudioError(`input "${node}" is a bare typed array: wrap it as new Audio(samples, sampleRate, channels)`);
    } else {
      dataInputs[node] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  for (const [node, v] of Object.entries(data ?? {})) {
    dataInputs[node] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { audio, dataInputs };
}

function chunkResult(r: ChunkResultProto): ChunkResult {
  const audio: Record<string, Audio> = {};
  for (const [k, v] of Object.entries(r.audioOutputs)) audio[k] = Audio.fromProto(v);
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.dataOutputs)) data[k] = parseJson(v);
  return { sequence: r.sequence, audio, data, processingTimeMs: r.processingTimeMs,
    totalSamplesProcessed: r.totalSamplesProcessed };
}

/**
 * A client of one remotemedia server: version(), execute() and stream(), with typed errors.
 *
 *   const client = new Client('localhost:50051', { token });
 *   const r = await client.execute(manifest, { resample: new Audio(samples, 44100) });
 *   for await (const res of client.stream(manifest, chunks)) { ... }
 *   client.close();
 */
export class Client {
  private readonly exec: PipelineExecutionServiceClient;
  private readonly streaming: StreamingPipelineServiceClient;
  private readonly meta: () => Metadata;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxDelayMs: number;

  constructor(readonly target: string, options: ClientOptions = {}) {
    let creds: ChannelCredentials;
    if (options.tls === true) {
      creds = credentials.createSsl();
    } else if (options.tls && typeof options.tls === 'object') {
      const ca = options.tls.ca;
      creds = credentials.createSsl(typeof ca === 'string' ? Buffer.from(ca) : ca);
    } else {
      creds = credentials.createInsecure();
    }
    const channelOptions: Record<string, string | number> = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    };
    if (options.authority) channelOptions['grpc.ssl_target_name_override'] = options.authority;
    this.exec = new PipelineExecutionServiceClient(target, creds, channelOptions);
    this.streaming = new StreamingPipelineServiceClient(target, creds, channelOptions);
    const token = options.token;
    this.meta = () => {
      const m = new Metadata();
      if (token) m.set('authorization', 'Bearer ' + token);
      return m;
    };
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 1);
    this.maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  }

  private async unary<Req, Res>(method: (req: Req, md: Metadata, opts: { deadline: number },
                                         cb: (e: any, r: Res) => void) => unknown, req: Req): Promise<Res> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise<Res>((resolve, reject) => {
          method(req, this.meta(), { deadline: Date.now() + this.timeoutMs }, (e, r) => (e ? reject(e) : resolve(r)));
        });
      } catch (e) {
        const err = rpcError(e as any, this.target);
        if (attempt >= this.maxAttempts || !err.retryable) throw err;
        await sleep(Math.min(err.retryDelaySeconds! * 1000, this.maxDelayMs));
      }
    }
  }

  /** The server's versions and node types (GetVersion). */
  async version(): Promise<Version> {
    const r = await this.unary<any, VersionResponse>(this.exec.getVersion.bind(this.exec), { clientVersion: CLIENT_VERSION });
    const v = r.versionInfo;
    return { protocolVersion: v?.protocolVersion ?? '', runtimeVersion: v?.runtimeVersion ?? '',
      nodeTypes: v?.supportedNodeTypes ?? [],
      compatible: r.compatible, message: r.compatibilityMessage };
  }

  /**
   * Runs a pipeline once (ExecutePipeline). manifest: an object or JSON text. inputs: node id ->
   * Audio, or JSON data. Throws a PipelineError subclass for the server's ErrorResponse, an RpcError
   * subclass for a failed call.
   */
  async execute(manifest: Manifest, inputs?: Inputs, data?: Record<string, unknown>): Promise<Result> {
    const { audio, dataInputs } = split(inputs, data);
    const req: ExecuteRequest = ExecuteRequest.fromPartial({ manifestJson: manifestJson(manifest), audioInputs: audio,
      dataInputs, clientVersion: CLIENT_VERSION });
    const resp = await this.unary<ExecuteRequest, ExecuteResponse>(this.exec.executePipeline.bind(this.exec), req);
    if (resp.outcome?.$case === 'error') throw pipelineError(resp.outcome.error);
    if (resp.outcome?.$case !== 'result') throw new RemoteMediaError('the server answered with neither a result nor an error');
    const r = resp.outcome.result;
    const out: Result = { audio: {}, data: {}, metrics: r.metrics, nodeResults: r.nodeResults,
      status: executionStatusToJSON(r.status ?? ExecutionStatus.EXECUTION_STATUS_UNSPECIFIED) };
    for (const [k, v] of Object.entries(r.audioOutputs)) out.audio[k] = Audio.fromProto(v);
    for (const [k, v] of Object.entries(r.dataOutputs)) out.data[k] = parseJson(v);
    return out;
  }

  /**
   * Streams `chunks` (an iterable or async iterable of Audio, or of [node id, Audio]) through
   * StreamPipeline: iterate the returned Stream with `for await` for the results, in order. Chunks
   * are read only as fast as the connection takes them (HTTP/2 flow control), numbered 0, 1, 2, ...,
   * and COMMAND_CLOSE follows the last. `timeoutMs`: deadline of the whole call, retries included
   * (default: none).
   */
  stream(manifest: Manifest, chunks: Iterable<Chunk> | AsyncIterable<Chunk>,
         options: { source?: string; data?: Record<string, unknown>; timeoutMs?: number } = {}): Stream {
    const opener = {
      open: (deadline: number | undefined) => this.streaming.streamPipeline(this.meta(),
        deadline === undefined ? {} : { deadline }),
      target: this.target, maxAttempts: this.maxAttempts, maxDelayMs: this.maxDelayMs,
    };
    return new Stream(opener, manifest, chunks, options.source ?? '', split({}, options.data).dataInputs,
      options.timeoutMs);
  }

  close(): void {
    this.exec.close();
    this.streaming.close();
  }
}

/** What a Stream needs of its client: a way to open the call, and the retry settings. */
interface StreamOpener {
  open(deadline: number | undefined): ClientDuplexStream<StreamRequest, StreamResponse>;
  target: string;
  maxAttempts: number;
  maxDelayMs: number;
}

/**
 * An open StreamPipeline call: an async iterable of ChunkResult; ready, closed and sent after it;
 * cancel(). With the client's retry, a call refused with a retryable status before the server
 * admits the session (its first answer, StreamReady) is opened again after the RetryInfo delay,
 * and the init and every chunk already taken are written again. An admitted session is never
 * retried.
 */
export class Stream implements AsyncIterable<ChunkResult> {
  ready: StreamReady | undefined;
  closed: StreamClosed | undefined;
  /** Chunks taken from the caller's iterable. */
  sent = 0;
  private call!: ClientDuplexStream<StreamRequest, StreamResponse>;
  private producerError: unknown;
  private cancelled = false;
  private ended = false;
  private readonly init: StreamRequest;
  private readonly chunks: Iterator<Chunk> | AsyncIterator<Chunk>;
  private frames = 0;
  // Chunk requests taken and not dropped yet: the call reads ahead of the server's answer, so a
  // refused attempt's chunks must be written again. base: the sequence of taken[0].
  private taken: StreamRequest[] = [];
  private base = 0;
  private exhausted = false;
  private pull: Promise<void> | undefined;
  private attempt = 1;
  private admitted = false;
  private readonly deadline: number | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly opener: StreamOpener, manifest: Manifest,
              chunks: Iterable<Chunk> | AsyncIterable<Chunk>, private readonly source: string,
              dataInputs: Record<string, string>, timeoutMs: number | undefined) {
    this.init = StreamRequest.fromPartial({ request: { $case: 'init', init: {
      manifestJson: manifestJson(manifest), dataInputs, clientVersion: CLIENT_VERSION } } });
    this.chunks = Symbol.asyncIterator in chunks ? (chunks as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
      : (chunks as Iterable<Chunk>)[Symbol.iterator]();
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    this.open();
  }

  private open(): void {
    const call = this.opener.open(this.deadline);
    this.call = call;
    this.ended = false;
    call.on('error', () => { if (this.call === call) this.ended = true; /* reported through the iteration */ });
    call.on('close', () => { if (this.call === call) this.ended = true; });
    // Start the read side now. Until its first read, grpc-js takes every response the server sends
    // into an unbounded array, granting the server window all the while: a caller that has not
    // begun iterating yet would let the server run ahead, results pile up in memory and the
    // producer never be held back. Reading ahead instead stops at the stream's highWaterMark (16
    // responses); grpc-js then pauses the HTTP/2 stream, the server's window to us fills, the
    // server stops reading chunks, and write() below waits.
    call.read(0);
    void this.produce(call, this.attempt);
  }

  /** Writes one message; while the call's buffer is full, waits until it drains or the call ends. */
  private async write(call: ClientDuplexStream<StreamRequest, StreamResponse>, req: StreamRequest): Promise<void> {
    if (call.write(req) || this.ended) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        call.off('drain', done);
        call.off('close', done);
        call.off('error', done);
        resolve();
      };
      call.on('drain', done);
      call.on('close', done);
      call.on('error', done);
    });
  }

  /** Takes one chunk from the caller's iterable into `taken`, or marks its end. */
  private async take(): Promise<void> {
    const r = await this.chunks.next();
    if (r.done) {
      this.exhausted = true;
      return;
    }
    const [node, audio] = Array.isArray(r.value) ? r.value : [this.source, r.value];
    if (!(audio instanceof Audio)) {
      throw new InvalidAudioError(`a stream chunk must be an Audio (or [node id, Audio]), not ${typeof audio}`);
    }
    this.taken.push(StreamRequest.fromPartial({ request: { $case: 'audioChunk', audioChunk: {
      nodeId: node, buffer: audio.toProto(), sequence: this.sent,
      timestampMs: Math.floor(this.frames * 1000 / audio.sampleRate) } } }));
    this.sent++;
    this.frames += audio.frames;
  }

  private async produce(call: ClientDuplexStream<StreamRequest, StreamResponse>, attempt: number): Promise<void> {
    try {
      await this.write(call, this.init);
      let i = 0; // the sequence of the next chunk this attempt writes
      for (;;) {
        // a refused attempt stops here: the next one writes what this one took
        if (attempt !== this.attempt || this.cancelled || this.ended || call.destroyed) return;
        if (this.admitted) { // never written again now
          this.taken.splice(0, i - this.base);
          this.base = i;
        }
        if (i - this.base < this.taken.length) {
          await this.write(call, this.taken[i - this.base]);
          i++;
        } else if (this.exhausted) {
          break;
        } else {
          // one pull at a time, shared with a later attempt if this one is refused meanwhile
          this.pull ??= this.take().finally(() => { this.pull = undefined; });
          await this.pull;
        }
      }
      await this.write(call, StreamRequest.fromPartial({ request: { $case: 'control', control: {
        command: StreamControl_Command.COMMAND_CLOSE } } }));
      call.end();
    } catch (e) {
      if (attempt !== this.attempt) return;
      this.producerError = e;
      call.cancel();
    }
  }

  /** True after waiting to open the call again; false when `err` is final. */
  private async retry(err: RpcError): Promise<boolean> {
    if (this.admitted || this.cancelled || this.attempt >= this.opener.maxAttempts || !err.retryable) return false;
    const waitMs = Math.min(err.retryDelaySeconds! * 1000, this.opener.maxDelayMs);
    if (this.deadline !== undefined && Date.now() + waitMs >= this.deadline) return false; // past the caller's deadline
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    if (this.cancelled) {
      throw new CancelledError(Status.CANCELLED, 'the stream was cancelled by the caller', undefined, this.opener.target);
    }
    this.attempt++;
    this.open();
    return true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChunkResult> {
    for (;;) {
      const call = this.call;
      try {
        for await (const r of call as AsyncIterable<StreamResponse>) {
          this.admitted = true; // the server's first answer: StreamReady, or an in-band error
          const resp = r.response;
          if (!resp) continue;
          if (resp.$case === 'ready') this.ready = resp.ready;
          else if (resp.$case === 'result') yield chunkResult(resp.result);
          else if (resp.$case === 'error') {
            call.cancel();
            throw pipelineError(resp.error);
          } else if (resp.$case === 'closed') this.closed = resp.closed;
        }
        break;
      } catch (e) {
        if (this.producerError) throw this.producerError;
        if (e instanceof RemoteMediaError) throw e;
        const err = rpcError(e as any, this.opener.target);
        if (this.cancelled && err instanceof CancelledError) {
          throw new CancelledError(err.code, 'the stream was cancelled by the caller', undefined, this.opener.target);
        }
        if (await this.retry(err)) continue;
        throw err;
      }
    }
    if (this.producerError) throw this.producerError;
    if (!this.closed) {
      throw new StreamInterruptedError(`the server ended the stream without StreamClosed after ${this.sent} chunk(s) sent`);
    }
  }

  /** Every result, as an array (iterates the stream to its end). */
  async results(): Promise<ChunkResult[]> {
    const out: ChunkResult[] = [];
    for await (const r of this) out.push(r);
    return out;
  }

  /** Ends the call now (or the wait before another attempt); the iteration then throws CancelledError. */
  cancel(): void {
    this.cancelled = true;
    this.call.cancel();
    this.wake?.();
    // the caller's iterable is not read again: let it run its finally blocks
    void Promise.resolve().then(() => this.chunks.return?.()).catch(() => {});
  }
}

export { RpcError };
