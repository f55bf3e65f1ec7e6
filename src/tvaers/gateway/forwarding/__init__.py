"""Forwarding to recipients: agreements, the commit-ordered feed, pull pages, push outbox."""
