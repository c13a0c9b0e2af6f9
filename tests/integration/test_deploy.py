"""The Kubernetes manifests (deploy/k8s), offline: every overlay renders
with the kubectl on this machine, every object validates against its
schema, every container passes the policy (and the policy refuses each
fault it is there for), and the settings the manifests hand each program
pass that program's own configuration check. No cluster is needed."""

import base64
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "deploy" / "k8s" / "check" / "check.mjs"
ADAPTER = ROOT / "deploy" / "k8s" / "prometheus-adapter" / "rules.yaml"
BIN = Path(os.environ.get("OV_BIN_DIR", ROOT / "build" / "bin"))
OVERLAYS = sorted(p.name for p in (ROOT / "deploy" / "k8s" / "overlays").iterdir())
SERVICES = ["router", "registrar", "admin", "notify", "ivr"]


def sh(*args, **kw):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kw)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    r = sh("bash", "scripts/k8s-check.sh", "deps")
    assert r.returncode == 0, r.stderr
    d = tmp_path_factory.mktemp("k8s")
    out = {}
    for o in OVERLAYS:
        r = sh("bash", "scripts/k8s-check.sh", "render", o)
        out[o] = {"rc": r.returncode, "stderr": r.stderr, "path": d / f"{o}.yaml",
                  "objs": []}
        if r.returncode == 0:
            out[o]["path"].write_text(r.stdout)
            out[o]["objs"] = [x for x in yaml.safe_load_all(r.stdout) if x]
    return out


def check(mode, path):
    return sh("node", str(CHECK), mode, str(path))


def find(objs, kind, name):
    for o in objs:
        if o["kind"] == kind and o["metadata"]["name"] == name:
            return o
    raise AssertionError(f"no {kind}/{name}")


def config_map(objs, prefix):
    """A generated ConfigMap by the name it has before kustomize's hash."""
    for o in objs:
        if o["kind"] == "ConfigMap" and re.fullmatch(
                re.escape(prefix) + r"-[a-z0-9]{10}", o["metadata"]["name"]):
            return o
    raise AssertionError(f"no ConfigMap {prefix}-<hash>")


def pod_containers(o):
    return o["spec"]["template"]["spec"]["containers"]


def workload_of(objs, container):
    for o in objs:
        if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            for c in pod_containers(o):
                if c["name"] == container:
                    return o, c
    raise AssertionError(f"no container {container}")


# ---- render ----

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_every_part(rendered, overlay):
    r = rendered[overlay]
    assert r["rc"] == 0, r["stderr"]
    # Nothing but the two deprecations render() filters.
    assert r["stderr"] == ""
    objs = r["objs"]
    for kind, name in [("Deployment", "router"), ("Deployment", "notify"),
                       ("Deployment", "edge"), ("StatefulSet", "registrar"),
                       ("StatefulSet", "admin"), ("DaemonSet", "media"),
                       ("Cluster", "ovunque-db"), ("Service", "edge"),
                       ("Ingress", "admin"), ("NetworkPolicy", "default-deny"),
                       ("NetworkPolicy", "postgres"),
                       ("ServiceMonitor", "services"), ("ServiceMonitor", "media")]:
        find(objs, kind, name)
    for o in objs:
        if o["kind"] != "Namespace":
            assert o["metadata"].get("namespace") == "ovunque", o["metadata"]
    hpas = {o["metadata"]["name"]: o for o in objs
            if o["kind"] == "HorizontalPodAutoscaler"}
    if overlay == "dev":
        assert hpas == {}
    if overlay == "prod":
        # Not the edge: one replica until calls follow a binding's edge
        # (optional/edge-hpa.yaml).
        assert set(hpas) == {"router", "registrar", "admin", "notify"}
        kinds = {m["type"] for m in hpas["router"]["spec"]["metrics"]}
        assert kinds == {"Resource", "Pods"}
    assert find(objs, "Deployment", "edge")["spec"]["replicas"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_pinned_in_one_place(rendered, overlay):
    objs = rendered[overlay]["objs"]
    kust = yaml.safe_load((ROOT / "deploy/k8s/base/kustomization.yaml").read_text())
    tags = {i["name"]: i["newTag"] for i in kust["images"]}
    seen = set()
    for o in objs:
        if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            for c in pod_containers(o):
                name, tag = c["image"].rsplit(":", 1)
                assert tags.get(name) == tag, c["image"]
                seen.add(name)
    assert seen == set(tags)


# ---- schema and policy on the overlays ----

@pytest.fixture(scope="module")
def overlay_checks(rendered):
    """schema and policy over every overlay, one node process each; the
    lines each file got, and the exit code."""
    out = {}
    for mode in ("schema", "policy"):
        paths = [rendered[o]["path"] for o in OVERLAYS]
        r = sh("node", str(CHECK), mode, *map(str, paths))
        out[mode] = (r.returncode, r.stderr,
                     {o: [ln for ln in r.stdout.splitlines()
                          if ln.startswith(f"{rendered[o]['path']}: ")] for o in OVERLAYS},
                     r.stdout)
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates(overlay_checks, overlay):
    rc, err, lines, out = overlay_checks["schema"]
    assert lines[overlay] == [] and err == ""
    assert rc == 0, out
    assert re.search(r"schema: \d+ objects, 0 problems", out)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_passes_the_policy(overlay_checks, overlay):
    rc, err, lines, out = overlay_checks["policy"]
    assert lines[overlay] == [] and err == ""
    assert rc == 0, out


def test_optional_objects_validate(rendered):
    r = check("schema", ROOT / "deploy/k8s/optional/edge-hpa.yaml")
    assert r.returncode == 0, r.stdout + r.stderr
    hpa = yaml.safe_load((ROOT / "deploy/k8s/optional/edge-hpa.yaml").read_text())
    # It scales what prod deploys, on a metric the adapter's rules make.
    find(rendered["prod"]["objs"], "Deployment", hpa["spec"]["scaleTargetRef"]["name"])
    rules = yaml.safe_load(ADAPTER.read_text())
    names = {r["name"]["as"] for r in rules["externalRules"]}
    assert {m["external"]["metric"]["name"] for m in hpa["spec"]["metrics"]
            if m["type"] == "External"} <= names


def test_adapter_rules_validate():
    r = check("adapter", ADAPTER)
    assert r.returncode == 0, r.stdout + r.stderr


# ---- what the checks refuse ----

def router(rendered):
    return find(rendered["dev"]["objs"], "Deployment", "router")


def spec(o):
    return o["spec"]["template"]["spec"]


POLICY_FAULTS = {
    "no readiness probe": (lambda o: spec(o)["containers"][0].pop("readinessProbe"),
                           "no readinessProbe"),
    "no liveness probe": (lambda o: spec(o)["containers"][0].pop("livenessProbe"),
                          "no livenessProbe"),
    "no memory limit": (lambda o: spec(o)["containers"][0]["resources"]["limits"].pop("memory"),
                        "no resources.limits.memory"),
    "no requests": (lambda o: spec(o)["containers"][0]["resources"].pop("requests"),
                    "no resources.requests.cpu"),
    "root allowed": (lambda o: spec(o)["securityContext"].pop("runAsNonRoot"),
                     "runAsNonRoot is not true"),
    "uid 0": (lambda o: spec(o)["containers"][0].setdefault("securityContext", {})
              .update(runAsUser=0), "runAsUser is not a non-zero uid"),
    "no uid": (lambda o: spec(o)["securityContext"].pop("runAsUser"),
               "runAsUser is not a non-zero uid"),
    "latest": (lambda o: spec(o)["containers"][0].update(image="localhost/ov-router:latest"),
               "has no pinned tag"),
    "no tag": (lambda o: spec(o)["containers"][0].update(image="registry.example:5000/ov-router"),
               "has no pinned tag"),
    "unpinned init container": (lambda o: spec(o).update(initContainers=[
        dict(spec(o)["containers"][0], name="init", image="busybox")]),
        'container init: image "busybox" has no pinned tag'),
}


def refusals(tmp_path, mode, cases):
    """Runs the check once over a good copy and one changed copy per
    case (node starts once, not once per case); returns the good run and
    each case's output lines."""
    files = {}
    for name, (obj, change) in cases.items():
        o = yaml.safe_load(yaml.safe_dump(obj))
        change(o)
        files[name] = tmp_path / (re.sub(r"\W+", "-", name) + ".yaml")
        files[name].write_text(yaml.safe_dump(o))
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump_all([c[0] for c in cases.values()]))
    r = sh("node", str(CHECK), mode, str(good), *map(str, files.values()))
    lines = r.stdout.splitlines()
    out = {name: [ln for ln in lines if ln.startswith(f"{f}: ")]
           for name, f in files.items()}
    return [ln for ln in lines if ln.startswith(f"{good}: ")], out, r.returncode


@pytest.fixture(scope="module")
def policy_refusals(rendered, tmp_path_factory):
    good = router(rendered)
    return refusals(tmp_path_factory.mktemp("policy"), "policy",
                    {k: (good, v[0]) for k, v in POLICY_FAULTS.items()})


@pytest.mark.parametrize("fault", sorted(POLICY_FAULTS))
def test_policy_refuses(policy_refusals, fault):
    good, out, rc = policy_refusals
    assert good == [] and rc == 1
    assert any("Deployment/router:" in ln and POLICY_FAULTS[fault][1] in ln
               for ln in out[fault]), out[fault]


SCHEMA_FAULTS = {
    "port as text": ("Deployment", "router",
                     lambda o: spec(o)["containers"][0]["ports"][0].update(containerPort="7101"),
                     "containerPort must be integer"),
    "container without name": ("Deployment", "router",
                               lambda o: spec(o)["containers"][0].pop("name"),
                               "must have required property name"),
    "bad service type": ("Service", "edge", lambda o: o["spec"].update(type="Balancer"),
                         "must be equal to one of the allowed values"),
    "cluster field misspelt": ("Cluster", "ovunque-db",
                               lambda o: o["spec"].update(instance=3),
                               "must NOT have additional properties: instance"),
    "cluster instances as text": ("Cluster", "ovunque-db",
                                  lambda o: o["spec"].update(instances="3"),
                                  "/spec/instances must be integer"),
    "service monitor endpoints": ("ServiceMonitor", "services",
                                  lambda o: o["spec"].update(endpoints={"port": "http"}),
                                  "endpoints must be array"),
    "unknown kind": ("Service", "router",
                     lambda o: o.update(apiVersion="example.com/v1", kind="Gadget"),
                     "no schema for example.com/v1 Gadget"),
}


@pytest.fixture(scope="module")
def schema_refusals(rendered, tmp_path_factory):
    objs = rendered["dev"]["objs"]
    return refusals(tmp_path_factory.mktemp("schema"), "schema",
                    {k: (find(objs, kind, name), change)
                     for k, (kind, name, change, _) in SCHEMA_FAULTS.items()})


@pytest.mark.parametrize("fault", sorted(SCHEMA_FAULTS))
def test_schema_refuses(schema_refusals, fault):
    good, out, rc = schema_refusals
    assert good == [] and rc == 1
    assert any(SCHEMA_FAULTS[fault][3] in ln for ln in out[fault]), out[fault]


def test_adapter_rules_refused_when_malformed(tmp_path):
    rules = yaml.safe_load(ADAPTER.read_text())
    rules["rules"][0].pop("metricsQuery")
    rules["externalRules"][0]["name"]["matches"] = "(["
    p = tmp_path / "rules.yaml"
    p.write_text(yaml.safe_dump(rules))
    r = check("adapter", p)
    assert r.returncode == 1
    assert "must have required property 'metricsQuery'" in r.stdout, r.stdout


# ---- the settings, as the programs read them ----

SECRETS = {
    "OV_DB_URL": "postgresql://ovunque:pw@ovunque-db-rw:5432/ovunque",
    "OV_SIP_SECRET_KEY": base64.b64encode(os.urandom(32)).decode(),
    "OV_NOTIFY_PUBLIC_KEY": base64.b64encode(os.urandom(32)).decode(),
    "OV_NOTIFY_SECRET_KEY": base64.b64encode(os.urandom(32)).decode(),
    "OV_SMTP_USER": "ovunque",
    "OV_SMTP_PASSWORD": "pw",
}
NODE_IP = "10.0.0.11"
POD_IP = "10.244.1.7"


def container_env(objs, c):
    """The environment Kubernetes would give container c: its ConfigMaps,
    then its env (Secrets stand-ins, the downward API's host address)."""
    env = {}
    cms = {o["metadata"]["name"]: o.get("data", {})
           for o in objs if o["kind"] == "ConfigMap"}
    for src in c.get("envFrom", []):
        env.update(cms[src["configMapRef"]["name"]])
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = re.sub(r"\$\(([A-Z_]+)\)",
                                    lambda m: env[m.group(1)], e["value"])
        elif "secretKeyRef" in e["valueFrom"]:
            env[e["name"]] = SECRETS[e["name"]]
        elif e["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP":
            env[e["name"]] = NODE_IP
        elif e["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP":
            env[e["name"]] = POD_IP
    return env


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("svc", SERVICES)
def test_service_settings_pass_check_config(rendered, overlay, svc):
    binary = BIN / f"ov-{svc}"
    assert binary.exists(), f"{binary} is missing: run make"
    objs = rendered[overlay]["objs"]
    _, c = workload_of(objs, svc)
    env = container_env(objs, c)
    r = subprocess.run([str(binary), "--check-config"], env={"PATH": "/usr/bin:/bin", **env},
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    known = {line.split()[0] for line in r.stdout.splitlines()[1:] if line.strip()}
    unknown = {k for k in env if k.startswith("OV_")} - known
    assert not unknown, f"ov-{svc} does not read {sorted(unknown)}"
    # Probes and the Service reach the port the program listens on.
    http = {p["name"]: p["containerPort"] for p in c["ports"]}["http"]
    assert int(env["OV_HTTP_PORT"]) == http
    assert env["OV_HTTP_ADDR"] != "127.0.0.1"
    bus = {p["name"]: p["containerPort"] for p in c["ports"]}["bus"]
    assert env["OV_BUS_LISTEN"].endswith(f":{bus}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_edge_settings_pass_kamailio_sh(rendered, overlay, tmp_path):
    objs = rendered[overlay]["objs"]
    _, c = workload_of(objs, "kamailio")
    env = container_env(objs, c)
    text = (ROOT / "scripts" / "kamailio.sh").read_text()
    documented = set(re.findall(r"^#\s+(OV_[A-Z_]+)", text, re.M))
    documented |= set(re.findall(r"^#\s+OV_[A-Z_]+, (OV_[A-Z_]+)", text, re.M))
    unknown = {k for k in env if k.startswith("OV_")} - documented
    assert not unknown, f"kamailio.sh does not read {sorted(unknown)}"
    # Its own checks, up to the exec (of true instead of kamailio). The
    # certificate comes from the Secret in the cluster.
    (tmp_path / "tls.crt").write_text("cert")
    (tmp_path / "tls.key").write_text("key")
    env.update(OV_TLS_CERT=str(tmp_path / "tls.crt"), OV_TLS_KEY=str(tmp_path / "tls.key"),
               OV_RUN_DIR=str(tmp_path / "run"), OV_KAMAILIO="true",
               OV_LUA_CPATH="/nonexistent/?.so")
    r = subprocess.run(["bash", "scripts/kamailio.sh"], cwd=ROOT,
                       env={"PATH": "/usr/bin:/bin", **env},
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_edge_ivrs_and_rtpengines_agree(rendered, overlay):
    objs = rendered[overlay]["objs"]
    edge = config_map(objs, "ov-edge")["data"]["OV_RTPENGINE"].split()
    media = config_map(objs, "ov-media")["data"]["OV_RTPENGINE_INSTANCES"].split(",")
    assert edge and sorted(edge) == sorted(media)
    # Each IVR names its own rtpengine exactly as Kamailio does.
    _, ivr = workload_of(objs, "ivr")
    env = container_env(objs, ivr)
    assert env["OV_RTPENGINE_NG"] == f"udp:{NODE_IP}:2223"
    _, rtpe = workload_of(objs, "rtpengine")
    assert container_env(objs, rtpe)["OV_RTPENGINE_NG_LISTEN"] == f"{NODE_IP}:2223"
    # Kamailio asks the IVR at its call's rtpengine's host, where the
    # IVR beside it listens; the two share the prompts volume.
    url = config_map(objs, "ov-edge")["data"]["OV_IVR_URL"]
    assert url == f"tcp://{{rtpengine}}:{env['OV_BUS_LISTEN'].rsplit(':', 1)[1]}"
    assert env["OV_BUS_LISTEN"] == f"tcp://{NODE_IP}:7103"
    mounts = [{m["name"]: m["mountPath"] for m in c["volumeMounts"]} for c in (ivr, rtpe)]
    assert mounts[0]["prompts"] == mounts[1]["prompts"] == env["OV_IVR_CACHE_DIR"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_subscribers_dial_every_publisher(rendered, overlay):
    """Each admin and registrar replica publishes its own events: the
    subscribers name every pod the StatefulSet can have."""
    objs = rendered[overlay]["objs"]
    hpas = {o["spec"]["scaleTargetRef"]["name"]: o["spec"]["maxReplicas"]
            for o in objs if o["kind"] == "HorizontalPodAutoscaler"}
    for pub, port, subs in [("admin", 7114, [("ov-router", "OV_ADMIN_EVENTS_URL"),
                                             ("ov-media", "OV_ADMIN_EVENTS_URL")]),
                            ("registrar", 7112, [("ov-router", "OV_REGISTRAR_EVENTS_URL")])]:
        sts = find(objs, "StatefulSet", pub)
        most = hpas.get(pub, sts["spec"]["replicas"])
        want = [f"tcp://{pub}-{i}.{sts['spec']['serviceName']}:{port}" for i in range(most)]
        find(objs, "Service", sts["spec"]["serviceName"])
        for cm, var in subs:
            assert config_map(objs, cm)["data"][var].split(",") == want, (cm, var)


def labels_match(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).get("matchLabels", {}).items())


def allowed(objs, src_labels, host_network, dst_labels, port):
    """Does some NetworkPolicy selecting dst let src open port? A
    host-network source is seen by its node's address (ipBlock)."""
    for np in objs:
        if np["kind"] != "NetworkPolicy" or not labels_match(np["spec"]["podSelector"], dst_labels):
            continue
        for rule in np["spec"].get("ingress", []):
            if rule.get("ports") and port not in [p["port"] for p in rule["ports"]]:
                continue
            froms = rule.get("from")
            if not froms:
                return True
            for f in froms:
                if host_network and "ipBlock" in f:
                    return True
                if not host_network and "podSelector" in f and "namespaceSelector" not in f \
                        and labels_match(f["podSelector"], src_labels):
                    return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_every_configured_bus_connection_through(rendered, overlay):
    """Every tcp:// address a program is told to dial reaches a pod whose
    NetworkPolicies let that program in: a dial added to a ConfigMap
    without its policy would fail only in the cluster."""
    objs = rendered[overlay]["objs"]
    services = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    checked = 0
    for w in objs:
        if w["kind"] not in ("Deployment", "StatefulSet", "DaemonSet"):
            continue
        pod = w["spec"]["template"]
        host_network = pod["spec"].get("hostNetwork", False)
        for c in pod["spec"]["containers"]:
            env = container_env(objs, c)
            for var, value in env.items():
                for url in value.split(","):
                    m = re.fullmatch(r"tcp://([^:/]+):(\d+)", url)
                    # Listeners, and node addresses (the IVR at the call's
                    # rtpengine's host): the nodes' firewall's business.
                    if not m or var == "OV_BUS_LISTEN" or m.group(1) == "0.0.0.0" \
                            or re.fullmatch(r"[\d.]+|\{rtpengine\}", m.group(1)):
                        continue
                    svc = services[m.group(1).split(".")[-1]]
                    port = int(m.group(2))
                    target = [p for p in svc["spec"]["ports"] if p["port"] == port]
                    assert target, f"{var}: Service {svc['metadata']['name']} has no port {port}"
                    dst = svc["spec"]["selector"]
                    if any(o["kind"] == "DaemonSet" and o["spec"]["template"]["spec"].get("hostNetwork")
                           and labels_match({"matchLabels": dst}, o["spec"]["template"]["metadata"]["labels"])
                           for o in objs):
                        continue  # host network: the node's firewall
                    assert allowed(objs, pod["metadata"]["labels"], host_network, dst, port), \
                        f"{w['metadata']['name']}/{c['name']} {var}={url}: no NetworkPolicy lets it in"
                    checked += 1
    assert checked >= 10
