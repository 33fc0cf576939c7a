"""Every NATS subject, stream, bucket and queue-group name the gateway uses.

Services import names from here and nowhere else, so a rename is one edit and a grep shows every hop.
"""

# Request path: ingress -> guard -> router -> ingress inbox.
SCREEN_CHAT = "gw.v1.chat.screen"
ROUTE_CHAT = "gw.v1.chat.route"
SCAN_TEXT = "gw.v1.scan"
# router -> guard (request-reply): a provider's answer, checked for leaked PII and secrets before it is returned.
SCREEN_RESPONSE = "gw.v1.chat.screen_response"
# Ingress publishes here when a streaming client goes away; the router cancels the upstream call.
CANCEL_PREFIX = "gw.v1.chat.cancel"

GUARD_QUEUE = "guard"
ROUTER_QUEUE = "router"

# Each ingress process owns one wildcard inbox: "<INBOX_PREFIX>.<instance>.<request id>".
INBOX_PREFIX = "_INBOX.gw"

# Key distribution: control's outbox relay writes KeyRecords here; ingress and router watch it.
KEYS_BUCKET = "gw_keys"
KEYS_CHANGED = "gw.v1.keys.changed"
POLICIES_CHANGED = "gw.v1.policies.changed"
RATE_BUCKET = "gw_rate"

# Audit trail: every service publishes AuditEvents; the audit service consumes them durably.
AUDIT_STREAM = "GW_AUDIT"
AUDIT_PREFIX = "gw.v1.audit"
AUDIT_SUBJECTS = f"{AUDIT_PREFIX}.>"
AUDIT_DURABLE = "audit-writer"

# Header carrying W3C trace context across every hop.
TRACEPARENT = "traceparent"
REQUEST_ID_HEADER = "gw-request-id"


# Request-reply liveness of the workers: a worker answers only once its models and key cache are loaded.
PING_PREFIX = "gw.v1.ping"


def ping_subject(service: str) -> str:
    return f"{PING_PREFIX}.{service}"


def cancel_subject(request_id: str) -> str:
    return f"{CANCEL_PREFIX}.{request_id}"


def audit_subject(kind: str) -> str:
    return f"{AUDIT_PREFIX}.{kind}"
