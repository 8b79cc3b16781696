"""service.webhooks.outbox + service.infra.jobs: signed deliveries through a real RQ worker to a real HTTP
receiver on 127.0.0.1; retries with back-off, a site that is down, Redis down at enqueue time."""
from __future__ import annotations

import json

import pytest
from rq import SimpleWorker

from service.infra import jobs
from service.infra import metrics
from service import moderation as queue
from service.webhooks import outbox as webhooks
from service.errors import ValidationFailed
from service.infra.redis_conn import connect
from service.infra.redis_keys import RedisKeys
from service.store.tables import Site, User, WebhookDelivery

SECRET = "s3cret-for-tests-0123456789"


@pytest.fixture
def world(clean_db, make_site, make_user, make_comment, receiver, test_config):
    site = make_site("https://news.example", callback_url=receiver.url, secret=SECRET)
    uid = make_user("mod@news.example", "moderator", ["https://news.example"])
    with clean_db.session() as s:
        actor = queue.Actor.of(s.get(User, uid))
    jobs.configure(clean_db)
    client = connect(test_config["redis_url"])
    keys = RedisKeys(test_config["redis_prefix"])
    yield {"site": site, "actor": actor, "comments": [make_comment(site) for _ in range(3)],
           "jobs": jobs.JobQueue(client, keys, retry_intervals=[0, 0]), "client": client, "keys": keys}
    jobs.configure(None)  # type: ignore[arg-type]
    client.close()


def run_worker(world) -> None:
    SimpleWorker([world["keys"].queue_name], connection=world["client"]).work(burst=True, with_scheduler=False)


def delivery(db, delivery_id) -> WebhookDelivery:
    with db.session() as s:
        return s.get(WebhookDelivery, delivery_id)


def test_decision_is_posted_signed(clean_db, world, receiver):
    cid = world["comments"][0]
    with clean_db.session() as s:
        result = queue.act(s, world["actor"], "spam", [cid], {cid: 1}, reason="casino link", jobs=world["jobs"])
    run_worker(world)
    [(headers, body)] = receiver.requests
    assert webhooks.verify_signature(body, SECRET, headers["X-Saring-Signature"])
    assert not webhooks.verify_signature(body.replace(b"spam", b"ham"), SECRET, headers["X-Saring-Signature"])
    assert not webhooks.verify_signature(body, "another secret", headers["X-Saring-Signature"])
    assert headers["X-Saring-Event"] == "comment.moderated" and headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["comment_id"] == cid and payload["action"] == "spam" and payload["status"] == "spam"
    assert payload["previous_status"] == "held" and payload["label"] == "spam" and payload["revision"] == 2
    assert payload["moderator"] == "mod@news.example" and payload["reason"] == "casino link"
    assert payload["site"] == "https://news.example"
    row = delivery(clean_db, result.delivery_ids[0])
    assert (row.status, row.attempts, row.last_error) == ("delivered", 1, "")
    assert headers["X-Saring-Delivery"] == str(row.id)


def test_site_down_then_up_is_retried(clean_db, world, receiver):
    receiver.fail_first = 2
    cid = world["comments"][1]
    with clean_db.session() as s:
        result = queue.act(s, world["actor"], "approve", [cid], jobs=world["jobs"])
    run_worker(world)
    assert len(receiver.requests) == 3
    row = delivery(clean_db, result.delivery_ids[0])
    assert (row.status, row.attempts) == ("delivered", 3)
    assert len({h["X-Saring-Delivery"] for h, _ in receiver.requests}) == 1  # the same delivery each time


def test_site_that_stays_down_is_marked_failed_then_retried(clean_db, world, receiver):
    receiver.fail_first = 100
    cid = world["comments"][2]
    with clean_db.session() as s:
        result = queue.act(s, world["actor"], "reject", [cid], jobs=world["jobs"])
    run_worker(world)
    row = delivery(clean_db, result.delivery_ids[0])
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 503")
    receiver.fail_first = 0
    with clean_db.session() as s:
        assert webhooks.retry_failed(s, world["jobs"]) == 1
    run_worker(world)
    assert delivery(clean_db, row.id).status == "delivered"


def test_redis_down_at_enqueue_keeps_the_row_and_the_sweeper_sends_it(clean_db, world, receiver):
    down = jobs.JobQueue(connect("redis://127.0.0.1:1/0"), world["keys"])  # nothing listens there
    before = metrics.REDIS_ERRORS.labels("enqueue")._value.get()
    cid = world["comments"][0]
    with clean_db.session() as s:
        result = queue.act(s, world["actor"], "spam", [cid], jobs=down)  # the action itself succeeds
    assert metrics.REDIS_ERRORS.labels("enqueue")._value.get() == before + 1
    assert delivery(clean_db, result.delivery_ids[0]).status == "pending"
    run_worker(world)
    assert receiver.requests == []
    with clean_db.session() as s:
        assert webhooks.sweep(s, world["jobs"], min_age_seconds=0) == 1
        assert webhooks.sweep(s, world["jobs"], min_age_seconds=0) == 0  # a live job exists: not twice
    run_worker(world)
    assert len(receiver.requests) == 1 and delivery(clean_db, result.delivery_ids[0]).status == "delivered"


def test_callback_removed_before_delivery(clean_db, world, receiver):
    cid = world["comments"][0]
    with clean_db.session() as s:
        result = queue.act(s, world["actor"], "spam", [cid], jobs=world["jobs"])
        site = s.get(Site, world["site"])
        webhooks.set_callback(s, site, None)
        s.commit()
    run_worker(world)
    row = delivery(clean_db, result.delivery_ids[0])
    assert receiver.requests == [] and row.status == "failed" and "no callback URL" in row.last_error


def test_set_callback_validates_and_keeps_secret(clean_db, world):
    with clean_db.session() as s:
        site = s.get(Site, world["site"])
        with pytest.raises(ValidationFailed) as err:
            webhooks.set_callback(s, site, "ftp://x.example/hook")
        assert err.value.field == "url"
        with pytest.raises(ValidationFailed):
            webhooks.set_callback(s, site, "https://x.example/hook", secret="short")
        assert webhooks.set_callback(s, site, "https://x.example/hook") == SECRET  # kept
        site.callback_secret = None
        fresh = webhooks.set_callback(s, site, "https://x.example/hook")
        assert fresh and len(fresh) >= 40


def test_job_ids_do_not_collide_between_installations_on_one_redis(world):
    """RQ job ids are global to a Redis server: delivery 1 of one installation (prefix) must not
    stop delivery 1 of another from being queued."""
    other = jobs.JobQueue(world["client"], RedisKeys(world["keys"].prefix + "-other"))
    try:
        assert world["jobs"].enqueue_deliveries([1]) == 1
        assert other.enqueue_deliveries([1]) == 1
        assert world["jobs"].enqueue_deliveries([1]) == 0  # still queued: not twice
        assert jobs.webhook_job_id(world["keys"].queue_name, 1) != jobs.webhook_job_id(other.queue.name, 1)
    finally:
        other.queue.empty()
