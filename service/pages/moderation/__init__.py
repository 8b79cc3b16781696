"""The moderators' web page: sign-in, the queue, one comment's history, the per-site overview."""
