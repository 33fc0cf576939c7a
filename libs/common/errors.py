"""One error hierarchy for the whole gateway.

Each class has a stable ``code``, an OpenAI error ``type`` and an HTTP status. Third-party exceptions are
translated into these at adapter boundaries; the HTTP edge renders them with :func:`openai_error_body`.
Messages must never contain keys, hashes, stack traces or table names.
"""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    status: int = 500
    type: str = "server_error"
    code: str = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        # Further fields for the error object, e.g. the SecurityAssessment of a blocked request.
        self.extra: dict[str, Any] = {}

    def body(self) -> dict[str, Any]:
        body = openai_error_body(self.message, self.type, self.code, self.param)
        body["error"].update(self.extra)
        return body


class InvalidRequest(GatewayError):
    status, type, code = 400, "invalid_request_error", "invalid_request"


class RequestBlocked(GatewayError):
    status, type, code = 400, "invalid_request_error", "request_blocked"


class AuthenticationFailed(GatewayError):
    status, type, code = 401, "authentication_error", "invalid_api_key"


class PermissionDenied(GatewayError):
    status, type, code = 403, "permission_error", "model_not_allowed"


class NotFound(GatewayError):
    status, type, code = 404, "invalid_request_error", "not_found"


class Conflict(GatewayError):
    status, type, code = 409, "invalid_request_error", "conflict"


class PayloadTooLarge(GatewayError):
    status, type, code = 413, "invalid_request_error", "payload_too_large"


class RateLimited(GatewayError):
    status, type, code = 429, "rate_limit_error", "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: int = 1, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UpstreamError(GatewayError):
    status, type, code = 502, "api_error", "upstream_error"


class ServiceUnavailable(GatewayError):
    status, type, code = 503, "api_error", "service_unavailable"


class GatewayTimeout(GatewayError):
    status, type, code = 504, "api_error", "timeout"


_BY_STATUS = {
    cls.status: cls
    for cls in (
        InvalidRequest, AuthenticationFailed, PermissionDenied, NotFound, Conflict, PayloadTooLarge,
        RateLimited, UpstreamError, ServiceUnavailable, GatewayTimeout,
    )
}


def error_for_status(status: int, message: str, code: str | None = None) -> GatewayError:
    """The gateway error a provider's HTTP status maps to (unknown 4xx stay 400, unknown 5xx become 502)."""
    cls = _BY_STATUS.get(status) or (InvalidRequest if 400 <= status < 500 else UpstreamError)
    err = cls(message, code=code)
    if cls is InvalidRequest and status != 400:
        err.status = status
    return err


def openai_error_body(
    message: str, type: str = "invalid_request_error", code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """The error body OpenAI's API returns and its SDKs parse."""
    return {"error": {"message": message, "type": type, "code": code, "param": param}}
