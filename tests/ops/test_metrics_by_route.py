"""The request histogram is labelled by route template and status class, in each service and in the gateway."""
import uuid

from prometheus_client import REGISTRY

from kit.metrics import LatencyByRoute, status_class


def observed(service: str, method: str, route: str, klass: str) -> float:
    return REGISTRY.get_sample_value("sendpb_http_request_duration_seconds_count", {
        "service": service, "method": method, "route": route, "status_class": klass}) or 0.0


def labelled_paths() -> set[str]:
    return {sample.labels["route"] for metric in REGISTRY.collect()
            if metric.name == "sendpb_http_request_duration_seconds" for sample in metric.samples}


async def test_a_request_is_counted_under_its_route_template_and_status_class_never_its_path(platform):
    headers = await platform.token()
    budget_id = uuid.uuid4()
    template = "/v1/budgets/{budget_id}"
    before = {where: observed(where, "GET", template, "4xx") for where in ("budget", "gateway")}

    missing = await platform.client.get(f"/v1/budgets/{budget_id}", headers=headers)

    assert missing.status_code == 404
    assert "x-sendpb-route" not in missing.headers, "the route header is the gateway's, not the caller's"
    for where in ("budget", "gateway"):
        assert observed(where, "GET", template, "4xx") == before[where] + 1, where
    assert not any(str(budget_id) in route for route in labelled_paths())


async def test_the_gateways_own_routes_and_what_it_refuses_are_labelled_without_raw_paths(platform):
    token_before = observed("gateway", "POST", "/oauth/token", "2xx")
    await platform.token()
    assert observed("gateway", "POST", "/oauth/token", "2xx") == token_before + 1

    unknown = "/v1/pensions/" + uuid.uuid4().hex
    before = observed("gateway", "GET", "unmatched", "4xx")
    assert (await platform.client.get(unknown)).status_code == 404
    assert observed("gateway", "GET", "unmatched", "4xx") == before + 1

    refused = "/v1/budgets/" + uuid.uuid4().hex
    before = observed("gateway", "GET", "/v1/budgets/{path}", "4xx")
    assert (await platform.client.get(refused)).status_code == 401  # refused before it reached the service
    assert observed("gateway", "GET", "/v1/budgets/{path}", "4xx") == before + 1
    assert not {unknown, refused} & labelled_paths()


def test_status_classes_and_unusual_methods_keep_the_label_set_bounded():
    assert [status_class(s) for s in (200, 201, 302, 404, 422, 500, 503)] == \
        ["2xx", "2xx", "3xx", "4xx", "4xx", "5xx", "5xx"]
    latency = LatencyByRoute("ops-test")
    for method in ("FROB", "X-" + uuid.uuid4().hex):
        latency.observe(method, "/x", 200, 0.01)
    assert observed("ops-test", "other", "/x", "2xx") == 2
