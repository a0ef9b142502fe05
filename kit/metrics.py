"""Prometheus metrics. One process may host several services (embedded mode), so each carries a service label."""
from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("sendpb_http_requests_total", "HTTP requests handled", ["service", "method", "status"])
# By route template (``/v1/budgets/{budget_id}``, never the raw path: no ids in labels) and status class (2xx...).
HTTP_LATENCY = Histogram(
    "sendpb_http_request_duration_seconds", "Time to handle an HTTP request",
    ["service", "method", "route", "status_class"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter("sendpb_events_published_total", "Outbox events confirmed by the broker", ["service"])
EVENTS_CONSUMED = Counter(
    "sendpb_events_consumed_total", "Events handled by a consumer", ["service", "type", "outcome"]
)
OUTBOX_PENDING = Gauge("sendpb_outbox_pending", "Outbox rows not yet published (at the last check)", ["service"])
REQUESTS_SHED = Counter("sendpb_requests_shed_total", "Requests answered 503 at once, over the in-flight limit",
                        ["service"])
UPSTREAM_ERRORS = Counter("sendpb_gateway_upstream_errors_total", "Gateway upstream failures", ["service", "kind"])
RATE_LIMITED = Counter("sendpb_gateway_rate_limited_total", "Requests refused by the rate limit", ["client"])
RECONCILIATION_DIFFERENCES = Gauge(
    "sendpb_reconciliation_differences",
    "Differences between the services' books that persisted at the last scheduled reconciliation",
    ["local_authority", "check"])
RECONCILIATION_LAST_SUCCESS = Gauge(
    "sendpb_reconciliation_last_success_timestamp_seconds",
    "When the scheduled reconciliation last read every service's totals for the LA (Unix time)",
    ["local_authority"])

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a request no route took (a 404, a refused path): raw paths never


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class LatencyByRoute:
    """The histogram's children, kept per (method, route, status class): ``labels()`` costs more than observing."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._children: dict[tuple[str, str, int], object] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in METHODS:
            method = "other"  # any token is a method on the wire: the label set stays bounded
        key = (method, route, status // 100)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = HTTP_LATENCY.labels(self.service, method, route, status_class(status))
        child.observe(seconds)
