export { Audio, Format, Samples } from './audio';
export { Client, ClientOptions, Chunk, ChunkResult, Inputs, Manifest, Result, Stream, Version } from './client';
export {
  AuthenticationError, CancelledError, DeadlineExceededError, InternalError, InvalidAudioError, NodeExecutionError,
  PipelineError, RemoteMediaError, ResourceLimitError, RpcError, StreamInterruptedError, UnavailableError,
  ValidationError, VersionMismatchError,
} from './errors';
export { readWavChunks, writeWav } from './wav';
