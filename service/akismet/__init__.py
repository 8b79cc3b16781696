"""Akismet-compatible API (``/1.1/*`` and ``/1.2/*``): existing Akismet clients work by changing the host.

Modules:

* ``form``: reading and decoding ``application/x-www-form-urlencoded`` bodies (charset fallback,
  size limit) into an ``AkismetForm``.
* ``keys``: where the API key is (body, query string, Host header).
* ``fields``: the comment-check parameters normalised into a ``service.checking.check.CommentData``.
* ``calls``: the endpoints as plain functions (no Flask).
* ``responses``: byte-exact ``text/plain; charset=utf-8`` answers and JSON/CSV reports.
* ``views``: the Flask blueprint and the one error handler turning ``service.errors`` exceptions
  into Akismet's ``invalid`` + ``X-akismet-debug-help``.

Reference: ``shared/spec/akismet-protocol.md``; user documentation: ``docs/akismet.md``.
"""
