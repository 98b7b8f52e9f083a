"""Delivery of outbox e-mails as background jobs."""

from __future__ import annotations
