"""/healthz, /readyz and /metrics."""


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readyz_ready(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "ready"
    assert r.json["checks"] == {"model": True, "redis": True, "database": True, "database_writes": True}
    assert r.json["model_version"]


def test_readyz_degraded_when_redis_unreachable(app, client):
    from service.infra.redis_conn import connect

    rt = app.extensions["saring"]
    rt.redis = connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json["status"] == "degraded"
    assert r.json["checks"]["redis"] is False and r.json["checks"]["model"] is True


def test_metrics(client, auth):
    client.post("/api/v1/comments", json={"content": "hello"}, headers=auth)
    r = client.get("/metrics")
    assert r.status_code == 200
    assert b"saring_comments_checked_total" in r.data


def test_trusted_proxy_sets_client_address(test_config):
    from flask import request

    from service.app import create_app

    app = create_app({**test_config, "trusted_proxies": 1})
    try:
        @app.get("/_whoami")
        def whoami():
            return {"ip": request.remote_addr}

        r = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "198.51.100.23"})
        assert r.json == {"ip": "198.51.100.23"}
    finally:
        app.extensions["saring"].close()


def _app(test_config, **overrides):
    from service.app import create_app

    return create_app({**test_config, **overrides})


def test_metrics_are_for_loopback_clients_unless_configured(test_config):
    """Issue 11 (12): /metrics was public."""
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    app = _app(test_config)
    try:
        c = app.test_client()
        assert c.get("/metrics").status_code == 200  # 127.0.0.1
        r = c.get("/metrics", environ_base=remote)
        assert r.status_code == 403 and "loopback" in r.json["error"]["message"]
    finally:
        app.extensions["saring"].close()
    app = _app(test_config, metrics_token="t0ken-for-prometheus")
    try:
        c = app.test_client()
        assert c.get("/metrics").status_code == 401  # a token is needed from everywhere
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}, environ_base=remote).status_code == 401
        ok = c.get("/metrics", headers={"Authorization": "Bearer t0ken-for-prometheus"}, environ_base=remote)
        assert ok.status_code == 200 and b"saring_" in ok.data
    finally:
        app.extensions["saring"].close()
    app = _app(test_config, metrics_public=True)
    try:
        assert app.test_client().get("/metrics", environ_base=remote).status_code == 200
    finally:
        app.extensions["saring"].close()


def test_openapi_can_be_turned_off_and_json_is_never_sniffed(test_config, client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/readyz").headers["X-Content-Type-Options"] == "nosniff"
    assert client.post("/1.1/verify-key", data={}).headers["X-Content-Type-Options"] == "nosniff"
    app = _app(test_config, openapi_public=False)
    try:
        assert app.test_client().get("/api/openapi.json").status_code == 404
    finally:
        app.extensions["saring"].close()
