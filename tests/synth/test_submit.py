"""`synth submit` against a scripted transport: order, clients, retries, resume, errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import orjson
import pytest
import zstandard

from tvaers.errors import InputError, ServiceError
from tvaers.synth.submit import ReplayOptions, replay

FAST = ReplayOptions(concurrency=3, backoff_seconds=0.001, max_retries=3, checkpoint_every=2)


def write_reports(root: Path, files: dict[str, list[str]]) -> None:
    """``files``: "YYYY-MM-DD/KKK" -> report ids (minimal Bundles)."""
    for name, ids in files.items():
        path = root / "reports" / f"{name}.ndjson.zst"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = b"".join(orjson.dumps({"resourceType": "Bundle", "id": i}) + b"\n" for i in ids)
        path.write_bytes(zstandard.ZstdCompressor().compress(lines))


def credentials(path: Path) -> Path:
    path.write_text(
        '[[clients]]\nclient_id = "a"\nkommunekoder = ["101", "147"]\ntoken = "tok-a"\n'
        '[[clients]]\nclient_id = "b"\nkommunekoder = ["851"]\ntoken = "tok-b"\n'
    )
    return path


class Gateway:
    """A scripted gateway: answers by report id, remembers every request."""

    def __init__(self, script: dict[str, list[int]] | None = None, fail_after: int | None = None):
        self.script = script or {}
        self.requests: list[tuple[str, str]] = []
        self.fail_after = fail_after

    def __call__(self, request: httpx.Request) -> httpx.Response:
        report_id = request.url.path.rsplit("/", 1)[1]
        if self.fail_after is not None and len(self.requests) >= self.fail_after:
            raise httpx.ConnectError("gateway down")
        self.requests.append((report_id, request.headers["authorization"]))
        statuses = self.script.get(report_id, [201])
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        headers = {"Retry-After": "0"} if status == 429 else {}
        body = {"resourceType": "OperationOutcome", "issue": []}
        if status == 422:
            body["issue"] = [{"severity": "error", "code": "required",
                              "details": {"coding": [{"system": "urn:tvaers:validation-rule",
                                                      "code": f"rule-{report_id}"}]}}]  # fmt: skip
        return httpx.Response(status, json=body, headers=headers)


FILES = {
    "2024-01-02/101": ["r1", "r2"],
    "2024-01-02/851": ["r3"],
    "2024-01-03/147": ["r4", "r5", "r6"],
    "2024-01-10/101": ["r7"],
}


def test_replays_in_submission_order_with_each_municipalitys_token(tmp_path: Path) -> None:
    write_reports(tmp_path, FILES)
    gateway = Gateway({"r4": [422], "r5": [429, 503, 201], "r6": [200]})
    summary = replay(tmp_path, "http://gw", credentials(tmp_path / "c.toml"),
                     options=ReplayOptions(concurrency=1, backoff_seconds=0.001),
                     transport=httpx.MockTransport(gateway))  # fmt: skip
    ids = [r for r, _ in gateway.requests]
    assert ids == ["r1", "r2", "r3", "r4", "r5", "r5", "r5", "r6", "r7"]
    tokens = dict(gateway.requests)
    assert tokens["r3"] == "Bearer tok-b" and tokens["r7"] == "Bearer tok-a"
    assert (summary.sent, summary.accepted, summary.identical, summary.rejected) == (7, 6, 1, 1)
    assert summary.rejected_by_rule == {"rule-r4": 1} and summary.retries == 2
    assert summary.rejected_by_status == {"422": 1}


def test_an_interrupted_replay_resumes_after_the_answered_prefix(tmp_path: Path) -> None:
    write_reports(tmp_path, FILES)
    creds = credentials(tmp_path / "c.toml")
    down = Gateway(fail_after=4)
    with pytest.raises(ServiceError, match="after 3 retries"):
        replay(tmp_path, "http://gw", creds, options=FAST, transport=httpx.MockTransport(down))
    saved = json.loads((tmp_path / "submit-checkpoint.json").read_text())
    done = saved["summary"]["sent"]
    assert done == 4  # exactly the reports answered before the outage: r1..r4
    up = Gateway()
    summary = replay(tmp_path, "http://gw", creds, options=FAST, transport=httpx.MockTransport(up))
    assert summary.sent == summary.accepted == 7
    assert [r for r, _ in up.requests] == [f"r{i}" for i in range(done + 1, 8)]
    again = Gateway()
    replay(tmp_path, "http://gw", creds, options=FAST, transport=httpx.MockTransport(again))
    assert again.requests == []


def test_a_municipality_without_a_client_is_refused_before_sending(tmp_path: Path) -> None:
    write_reports(tmp_path, {"2024-01-02/461": ["x"]})
    with pytest.raises(InputError, match="covers kommunekode 461"):
        replay(tmp_path, "http://gw", credentials(tmp_path / "c.toml"),
               transport=httpx.MockTransport(Gateway()))  # fmt: skip


def test_a_checkpoint_of_another_replay_is_refused(tmp_path: Path) -> None:
    write_reports(tmp_path, FILES)
    creds = credentials(tmp_path / "c.toml")
    replay(tmp_path, "http://gw", creds, options=FAST, transport=httpx.MockTransport(Gateway()))
    with pytest.raises(InputError, match="belongs to another replay"):
        replay(tmp_path, "http://other", creds, transport=httpx.MockTransport(Gateway()))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"no \[\[clients\]\]"),
        ('[[clients]]\nclient_id = "a"\n', "needs a token"),
        ("x = [", "cannot read"),
    ],
)
def test_bad_credentials(tmp_path: Path, content: str, message: str) -> None:
    write_reports(tmp_path, FILES)
    (tmp_path / "c.toml").write_text(content)
    with pytest.raises(InputError, match=message):
        replay(tmp_path, "http://gw", tmp_path / "c.toml")


def test_no_reports(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no delivery reports"):
        replay(tmp_path, "http://gw", credentials(tmp_path / "c.toml"))
