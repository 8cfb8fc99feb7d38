"""Typed errors. Every failure of a call is one of these, never a bare grpc.RpcError:

- PipelineError: the server ran the request and answered with an in-band ErrorResponse
  (ValidationError, NodeExecutionError, ResourceLimitError, VersionMismatchError, InternalError).
- RpcError: the call failed with a gRPC status, with the google.rpc.Status details the server sent
  (UnavailableError, AuthenticationError, DeadlineExceededError, CancelledError).
- StreamInterruptedError: a stream ended before the server's StreamClosed.
- InvalidAudioError (also a ValueError): audio this client cannot send (dtype, shape, WAV format).
"""
import json

import grpc


class RemoteMediaError(Exception):
    """Base of every error this package raises."""


class InvalidAudioError(RemoteMediaError, ValueError):
    """Audio the client cannot send: an unsupported dtype or shape, or a WAV it cannot read."""


class PipelineError(RemoteMediaError):
    """The server's ErrorResponse: error_type, message, node (failing node id), context (parsed JSON)."""

    def __init__(self, error_response):
        self.error_response = error_response
        from .v1 import common_pb2
        self.error_type = common_pb2.ErrorType.Name(error_response.error_type)
        self.message = error_response.message
        self.node = error_response.failing_node_id or None
        try:
            self.context = json.loads(error_response.context) if error_response.context else {}
        except ValueError:
            self.context = {"raw": error_response.context}
        where = ' at node "%s"' % self.node if self.node else ""
        super().__init__("%s%s: %s" % (self.error_type, where, self.message))


class ValidationError(PipelineError):
    """ERROR_TYPE_VALIDATION: the manifest, params or inputs are wrong; context["problems"] says where."""


class NodeExecutionError(PipelineError):
    """ERROR_TYPE_NODE_EXECUTION: a node failed while running (e.g. division by zero)."""


class ResourceLimitError(PipelineError):
    """ERROR_TYPE_RESOURCE_LIMIT: a limit was reached; context has limit, observed and what to do."""


class VersionMismatchError(PipelineError):
    """ERROR_TYPE_VERSION_MISMATCH: the server does not speak this client's protocol version."""


class InternalError(PipelineError):
    """ERROR_TYPE_INTERNAL: a server bug."""


_BY_TYPE = {
    "ERROR_TYPE_VALIDATION": ValidationError,
    "ERROR_TYPE_NODE_EXECUTION": NodeExecutionError,
    "ERROR_TYPE_RESOURCE_LIMIT": ResourceLimitError,
    "ERROR_TYPE_VERSION_MISMATCH": VersionMismatchError,
    "ERROR_TYPE_INTERNAL": InternalError,
}


def pipeline_error(error_response):
    """The typed PipelineError for an ErrorResponse."""
    from .v1 import common_pb2
    cls = _BY_TYPE.get(common_pb2.ErrorType.Name(error_response.error_type), PipelineError)
    return cls(error_response)


class RpcError(RemoteMediaError):
    """A failed call: code (grpc.StatusCode), details (the server's message), status (the
    google.rpc.Status from grpc-status-details-bin, or None), retry_delay (seconds the server asked
    to wait, from RetryInfo, or None), reason (ErrorInfo.reason, or None)."""

    def __init__(self, code, details, status=None, target=None, hint=None):
        self.code = code
        self.details = details or ""
        self.status = status
        self.retry_delay = None
        self.reason = None
        self.target = target
        if status is not None:
            from .rpc import details_pb2
            for any_ in status.details:
                name = any_.type_url.rsplit("/", 1)[-1]
                if name == "google.rpc.RetryInfo":
                    info = details_pb2.RetryInfo.FromString(any_.value)
                    self.retry_delay = info.retry_delay.seconds + info.retry_delay.nanos / 1e9
                elif name == "google.rpc.ErrorInfo":
                    self.reason = details_pb2.ErrorInfo.FromString(any_.value).reason
        text = "%s: %s%s" % (code.name, (target + ": ") if target else "", self.details)
        super().__init__(text + (" (" + hint + ")" if hint else ""))

    @property
    def retryable(self):
        """True when the server said to retry later (UNAVAILABLE or RESOURCE_EXHAUSTED with RetryInfo)."""
        return self.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED) \
            and self.retry_delay is not None


class UnavailableError(RpcError):
    """UNAVAILABLE: the server is down or draining or overloaded, or the port does not speak gRPC."""


class AuthenticationError(RpcError):
    """UNAUTHENTICATED: a missing or wrong token."""


class DeadlineExceededError(RpcError):
    """DEADLINE_EXCEEDED: the call did not finish within its timeout."""


class CancelledError(RpcError):
    """CANCELLED: the caller cancelled the call."""


class StreamInterruptedError(RemoteMediaError):
    """A stream ended before the server's StreamClosed (the server went away mid-way)."""


_HINTS = {
    grpc.StatusCode.UNAVAILABLE: "is the server running, is this its gRPC port, and TLS or not as the server is?",
    grpc.StatusCode.UNAUTHENTICATED: "give the token the server accepts: Client(target, token=...)",
}
_RPC_BY_CODE = {
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.UNAUTHENTICATED: AuthenticationError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: CancelledError,
}


def rpc_error(code, details, trailing_metadata, target=None):
    """The typed RpcError for a status code, its message and trailers (grpc-status-details-bin)."""
    status = None
    for key, value in trailing_metadata or ():
        if key == "grpc-status-details-bin":
            from .rpc import details_pb2
            try:
                status = details_pb2.Status.FromString(value)
            except Exception:  # a malformed trailer must not hide the status itself
                status = None
    cls = _RPC_BY_CODE.get(code, RpcError)
    hint = _HINTS.get(code) if status is None or not status.details else None
    return cls(code, details, status, target, hint)


def from_grpc(e, target=None):
    """The typed error for a grpc.RpcError raised by a call."""
    code = e.code() if callable(getattr(e, "code", None)) else grpc.StatusCode.UNKNOWN
    details = e.details() if callable(getattr(e, "details", None)) else str(e)
    trailers = e.trailing_metadata() if callable(getattr(e, "trailing_metadata", None)) else None
    return rpc_error(code, details, trailers, target)
