"""/healthz, /readyz and /metrics."""


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readyz_ready(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "ready"
    assert r.json["checks"] == {"model": True, "redis": True, "database": True}
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
