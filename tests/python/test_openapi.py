"""tests/python/test_openapi.py: the OpenAPI contract (docs/openapi.json) against the server.

Static: the document is OpenAPI 3 with every $ref resolvable, and its paths are exactly the
routes server/http_server.cpp registers (method and path). Live: `lightbert serve` on the tiny
model answers GET /openapi.json with the same document, GET /info's version carries the spec's
info.version, and a few documented answers (200 /embed, 400 with the error body, 404 for a head
the model lacks) have the documented shape. schemathesis' generated tests are
tests/openapi/run_schemathesis.sh (ctest openapi_schemathesis)."""
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DATA = os.environ.get("LIGHTBERT_TEST_DATA", os.path.join(ROOT, "tests", "data"))
CLI = os.environ.get("LIGHTBERT_CLI_PATH", "")
SPEC = json.load(open(os.path.join(ROOT, "docs", "openapi.json"), encoding="utf-8"))


def test_spec_is_openapi3_and_refs_resolve():
    assert SPEC["openapi"].startswith("3.")
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(SPEC))
    assert refs
    for ref in refs:
        node = SPEC
        for part in ref.split("/"):
            node = node[part]


def test_paths_are_the_server_routes():
    with open(os.path.join(ROOT, "server", "http_server.cpp"), encoding="utf-8") as f:
        routes = set(re.findall(r'http_->(Get|Post)\("([^"]+)"', f.read()))
    assert len(routes) >= 10
    documented = {(m.capitalize(), p) for p, ops in SPEC["paths"].items() for m in ops}
    assert documented == routes


@pytest.fixture(scope="module")
def server():
    if not CLI:
        pytest.skip("LIGHTBERT_CLI_PATH not set")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([CLI, "serve", "--model", os.path.join(DATA, "tiny-bert"), "--host",
                             "127.0.0.1", "--port", str(port), "--threads", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    assert proc.wait(timeout=30) == 0


def call(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_served_document_is_the_committed_one(server):
    status, text = call(server, "/openapi.json")
    assert status == 200 and json.loads(text) == SPEC
    status, text = call(server, "/info")
    assert status == 200 and SPEC["info"]["version"] in json.loads(text)["version"]


def test_documented_answers(server):
    status, text = call(server, "/embed", {"inputs": ["hello", "world"]})
    assert status == 200 and len(json.loads(text)) == 2
    status, text = call(server, "/embed", {"inputs": 3})
    err = json.loads(text)
    assert status == 400 and set(err) == {"error", "error_type"}
    assert "400" in SPEC["paths"]["/embed"]["post"]["responses"]
    status, text = call(server, "/ner", {"inputs": "John lives in Paris."})
    assert status == 404 and "error" in json.loads(text)
    assert "404" in SPEC["paths"]["/ner"]["post"]["responses"]


def test_other_methods_on_a_route_are_405_with_allow(server):
    for method, path, allow in (("TRACE", "/embed", "POST"), ("PUT", "/health", "GET"),
                                ("GET", "/predict", "POST"), ("DELETE", "/openapi.json", "GET")):
        req = urllib.request.Request(server + path, method=method)
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 405 and e.value.headers["Allow"] == allow, (method, path)
        assert "error" in json.loads(e.value.read().decode())
    status, _ = call(server, "/no-such-endpoint")
    assert status == 404


def test_a_method_unknown_to_the_http_library_is_405_too(server):
    import http.client
    host, port = server.rsplit("/", 1)[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("QUERY", "/embed?x=1", body=b"{}", headers={"Content-Type": "application/json"})
    r = c.getresponse()
    assert r.status == 405 and r.getheader("Allow") == "POST"
    assert "error" in json.loads(r.read().decode())
