"""An S3-compatible server for the storage tests: moto's server mode on a free local port,
started once per run, with a fresh bucket per test; and the app pointed at it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coachprog import storage

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class S3Site:
    endpoint: str
    bucket: str
    url: str  # COACHPROG_STORAGE_URL
    client: Any

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@dataclass
class S3Server:
    endpoint: str
    client: Any


@pytest.fixture(scope="session")
def s3_server(app: Flask) -> Iterator[S3Server]:
    """moto's S3 in a thread of this process, on a free port; fake credentials in the
    environment for this run (boto3 reads them there, as in production)."""
    import boto3
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    yield S3Server(endpoint, boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1"))
    server.stop()
    app.extensions.pop(storage._EXTENSION, None)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def s3_endpoint(s3_server: S3Server) -> str:
    return s3_server.endpoint


@pytest.fixture
def s3_site(app: Flask, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Site:
    """The app stores its files in a new bucket of the local S3 server (prefix "site")."""
    bucket = f"coachprog-{secrets.token_hex(6)}"
    s3_server.client.create_bucket(Bucket=bucket)
    url = f"s3://{bucket}/site"
    monkeypatch.setitem(app.config, "COACHPROG_STORAGE_URL", url)
    monkeypatch.setitem(app.config, "COACHPROG_S3_ENDPOINT_URL", s3_server.endpoint)
    return S3Site(s3_server.endpoint, bucket, url, s3_server.client)


@pytest.fixture
def local_site(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app stores its files in local folders under tmp_path (as without an object store)."""
    monkeypatch.setitem(app.config, "COACHPROG_STORAGE_URL", None)
    for area, setting in storage.AREA_SETTINGS.items():
        if setting:
            monkeypatch.setitem(app.config, setting, tmp_path / area)
    return tmp_path
