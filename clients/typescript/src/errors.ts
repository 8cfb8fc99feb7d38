// Typed errors: every failure of a call is one of these.
//  - PipelineError (ValidationError, NodeExecutionError, ResourceLimitError, VersionMismatchError,
//    InternalError): the server's in-band ErrorResponse.
//  - RpcError (UnavailableError, AuthenticationError, DeadlineExceededError, CancelledError): a gRPC
//    status, with the google.rpc.Status details the server sent (RetryInfo, ErrorInfo).
//  - StreamInterruptedError: a stream ended before the server's StreamClosed.
//  - InvalidAudioError: audio this client cannot send.
import { Metadata, status as Status } from '@grpc/grpc-js';
import { ErrorResponse, ErrorType, errorTypeToJSON } from './gen/remotemedia/v1/common';
import { ErrorInfo, RetryInfo, Status as RpcStatus } from './gen/remotemedia/rpc/details';

export class RemoteMediaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidAudioError extends RemoteMediaError {}

export class StreamInterruptedError extends RemoteMediaError {}

export class PipelineError extends RemoteMediaError {
  readonly errorType: string;
  readonly node: string | undefined;
  readonly context: unknown;
  constructor(readonly errorResponse: ErrorResponse) {
    const type = errorTypeToJSON(errorResponse.errorType);
    const node = errorResponse.failingNodeId || undefined;
    super(`${type}${node ? ` at node "${node}"` : ''}: ${errorResponse.message}`);
    this.errorType = type;
    this.node = node;
    let ctx: unknown = {};
    try {
      ctx = errorResponse.context ? JSON.parse(errorResponse.context) : {};
    } catch {
      ctx = { raw: errorResponse.context };
    }
    this.context = ctx;
  }
}
export class ValidationError extends PipelineError {}
export class NodeExecutionError extends PipelineError {}
export class ResourceLimitError extends PipelineError {}
export class VersionMismatchError extends PipelineError {}
export class InternalError extends PipelineError {}

export function pipelineError(e: ErrorResponse): PipelineError {
  switch (e.errorType) {
    case ErrorType.ERROR_TYPE_VALIDATION: return new ValidationError(e);
    case ErrorType.ERROR_TYPE_NODE_EXECUTION: return new NodeExecutionError(e);
    case ErrorType.ERROR_TYPE_RESOURCE_LIMIT: return new ResourceLimitError(e);
    case ErrorType.ERROR_TYPE_VERSION_MISMATCH: return new VersionMismatchError(e);
    case ErrorType.ERROR_TYPE_INTERNAL: return new InternalError(e);
    default: return new PipelineError(e);
  }
}

export class RpcError extends RemoteMediaError {
  /** Seconds the server asked to wait (RetryInfo), if it did. */
  readonly retryDelaySeconds: number | undefined;
  /** ErrorInfo.reason (e.g. TOO_MANY_SESSIONS), if sent. */
  readonly reason: string | undefined;
  constructor(readonly code: Status, readonly details: string, readonly status: RpcStatus | undefined,
              target?: string, hint?: string) {
    super(`${Status[code]}: ${target ? target + ': ' : ''}${details}${hint ? ` (${hint})` : ''}`);
    let delay: number | undefined;
    let reason: string | undefined;
    for (const d of status?.details ?? []) {
      const name = d.typeUrl.slice(d.typeUrl.lastIndexOf('/') + 1);
      if (name === 'google.rpc.RetryInfo') {
        const r = RetryInfo.decode(d.value);
        delay = (r.retryDelay?.seconds ?? 0) + (r.retryDelay?.nanos ?? 0) / 1e9;
      } else if (name === 'google.rpc.ErrorInfo') {
        reason = ErrorInfo.decode(d.value).reason;
      }
    }
    this.retryDelaySeconds = delay;
    this.reason = reason;
  }

  /** True when the server said to retry later (UNAVAILABLE or RESOURCE_EXHAUSTED with RetryInfo). */
  get retryable(): boolean {
    return (this.code === Status.UNAVAILABLE || this.code === Status.RESOURCE_EXHAUSTED)
      && this.retryDelaySeconds !== undefined;
  }
}
export class UnavailableError extends RpcError {}
export class AuthenticationError extends RpcError {}
export class DeadlineExceededError extends RpcError {}
export class CancelledError extends RpcError {}

/** The typed error for a failed grpc-js call. */
export function rpcError(e: { code?: number; details?: string; message?: string; metadata?: Metadata },
                         target?: string): RpcError {
  const code = (e.code ?? Status.UNKNOWN) as Status;
  let status: RpcStatus | undefined;
  const bin = e.metadata?.get('grpc-status-details-bin') ?? [];
  if (bin.length > 0) {
    try {
      status = RpcStatus.decode(bin[0] as Buffer);
    } catch {
      status = undefined;
    }
  }
  const details = e.details ?? e.message ?? '';
  const noDetails = !status || status.details.length === 0;
  switch (code) {
    case Status.UNAVAILABLE:
      return new UnavailableError(code, details, status, target, noDetails
        ? 'is the server running, is this its gRPC port, and TLS or not as the server is?' : undefined);
    case Status.UNAUTHENTICATED:
      return new AuthenticationError(code, details, status, target, "give the token the server accepts: { token: '...' }");
    case Status.DEADLINE_EXCEEDED:
      return new DeadlineExceededError(code, details, status, target);
    case Status.CANCELLED:
      return new CancelledError(code, details, status, target);
    default:
      return new RpcError(code, details, status, target);
  }
}
