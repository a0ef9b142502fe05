"""What the rendered NetworkPolicies let through, worked out the way a cluster's network plugin would and compared with
the intended list: only the gateway reaches the services; services reach only the database, the broker and DNS;
migrations only the database and DNS; everything else is denied."""
import ipaddress
from dataclasses import dataclass, field

import pytest

from sendpb.runner import SERVICES
from tests.deploy.manifests import component_of, of_kind, render

NAMESPACE = {"dev": "sendpb-dev", "prod": "sendpb"}
BROKER_PORT = {"dev": 5672, "prod": 5671}


@dataclass(frozen=True)
class Peer:
    name: str
    labels: dict = field(default_factory=dict, hash=False, compare=False)
    namespace: str | None = None  # None: an address outside the cluster
    ip: str | None = None


def selects(selector: dict, labels: dict) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        present, value = e["key"] in labels, labels.get(e["key"])
        ok = {"In": present and value in e.get("values", []), "NotIn": value not in e.get("values", []),
              "Exists": present, "DoesNotExist": not present}[e["operator"]]
        if not ok:
            return False
    return True


def peer_matches(rule_peer: dict, peer: Peer, policy_namespace: str) -> bool:
    if "ipBlock" in rule_peer:
        block = rule_peer["ipBlock"]
        if peer.ip is None:
            return False
        address = ipaddress.ip_address(peer.ip)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", []))
    if peer.namespace is None:
        return False
    if "namespaceSelector" in rule_peer:
        if not selects(rule_peer["namespaceSelector"], {"kubernetes.io/metadata.name": peer.namespace}):
            return False
    elif peer.namespace != policy_namespace:
        return False
    return "podSelector" not in rule_peer or selects(rule_peer["podSelector"], peer.labels)


def port_matches(rule: dict, port: int, protocol: str) -> bool:
    ports = rule.get("ports")
    return not ports or any(p["port"] == port and p.get("protocol", "TCP") == protocol for p in ports)


def allows(policies: list[dict], direction: str, pod: Peer, other: Peer, port: int, protocol: str) -> bool:
    """Whether `pod` may send to (Egress) or receive from (Ingress) `other` on `port`."""
    relevant = [p for p in policies if p["metadata"]["namespace"] == pod.namespace
                and selects(p["spec"]["podSelector"], pod.labels) and direction in p["spec"]["policyTypes"]]
    if not relevant:
        return True  # not isolated in this direction
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    return any(port_matches(rule, port, protocol)
               and (peers_key not in rule or any(peer_matches(q, other, pod.namespace) for q in rule[peers_key]))
               for p in relevant for rule in p["spec"].get(key, []))


def reaches(policies: list[dict], src: Peer, dst: Peer, port: int, protocol: str = "TCP") -> bool:
    out = src.namespace is None or allows(policies, "Egress", src, dst, port, protocol)
    into = dst.namespace is None or allows(policies, "Ingress", dst, src, port, protocol)
    return out and into


@pytest.fixture(scope="module", params=["dev", "prod"])
def cluster(request):
    overlay = request.param
    ns = NAMESPACE[overlay]
    docs = render(overlay)
    ours = {component_of(d): Peer(component_of(d), d["spec"]["template"]["metadata"]["labels"], ns)
            for d in docs if d["kind"] in ("Deployment", "Job")}
    if overlay == "dev":
        database = Peer("database", {"sendpb.io/backing": "postgres"}, ns)
        broker = Peer("broker", {"sendpb.io/backing": "rabbitmq"}, ns)
        front = Peer("someone in the cluster", {"app": "curl"}, "default")
    else:
        database, broker = Peer("database", ip="192.0.2.5"), Peer("broker", ip="198.51.100.5")
        front = Peer("ingress controller", {"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx")
    others = {
        "dns": Peer("dns", {"k8s-app": "kube-dns"}, "kube-system"),
        "database": database, "broker": broker, "front": front,
        "identity provider": Peer("identity provider", ip="20.190.160.1"),
        "stranger pod": Peer("stranger pod", {"app": "other"}, ns),
        "pod elsewhere": Peer("pod elsewhere", {"app": "other"}, "elsewhere"),
        "internet": Peer("internet", ip="203.0.113.9"),
    }
    return overlay, of_kind(docs, "NetworkPolicy"), ours, others


def destinations(overlay: str, ours: dict, others: dict) -> list[tuple[Peer, int, str]]:
    out = [(pod, 8000, "TCP") for pod in ours.values() if not pod.name.startswith("migrate-")]
    out += [(others["dns"], 53, "UDP"), (others["dns"], 53, "TCP"), (others["database"], 5432, "TCP"),
            (others["broker"], BROKER_PORT[overlay], "TCP"), (others["identity provider"], 443, "TCP"),
            (others["internet"], 80, "TCP"), (others["internet"], 5432, "TCP"), (others["stranger pod"], 8000, "TCP"),
            (others["pod elsewhere"], 8000, "TCP")]
    return out


def test_everything_is_denied_unless_allowed(cluster):
    _, policies, _, _ = cluster
    deny = [p for p in policies if p["spec"]["podSelector"] == {}]
    assert deny and all(set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} for p in deny)
    assert all(not p["spec"].get("ingress") and not p["spec"].get("egress") for p in deny)


def test_each_component_reaches_exactly_what_it_needs(cluster):
    overlay, policies, ours, others = cluster
    services = {c.name for c in SERVICES}
    dns = {("dns", 53, "UDP"), ("dns", 53, "TCP")}
    broker = ("broker", BROKER_PORT[overlay], "TCP")
    expected = {
        "gateway": dns | {(s, 8000, "TCP") for s in services} | {("identity provider", 443, "TCP")},
        **{s: dns | {("database", 5432, "TCP"), broker} for s in services},
        **{f"migrate-{s}": dns | {("database", 5432, "TCP")} for s in services},
    }
    for name, src in ours.items():
        got = {(dst.name, port, proto) for dst, port, proto in destinations(overlay, ours, others)
               if dst is not src and reaches(policies, src, dst, port, proto)}
        assert got == expected[name], name


def test_only_the_gateway_reaches_the_services_and_only_the_front_reaches_the_gateway(cluster):
    overlay, policies, ours, others = cluster
    sources = list(ours.values()) + [others[k] for k in ("front", "stranger pod", "pod elsewhere")]
    for service in [ours[c.name] for c in SERVICES]:
        assert {src.name for src in sources if reaches(policies, src, service, 8000)} == {"gateway"}
    front_door = {src.name for src in sources if reaches(policies, src, ours["gateway"], 8000)}
    if overlay == "prod":
        assert front_door == {"ingress controller"}
    else:
        # any pod the cluster lets send (the namespace's own pods are held by its default deny)
        assert front_door == {"someone in the cluster", "pod elsewhere"}
