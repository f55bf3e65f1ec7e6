"""`tvaers gateway clients|audit|migrate` through the real CLI entry point."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from gateway_support import PEPPER

from tvaers.cli.main import main
from tvaers.gateway.audit import AuditEvent
from tvaers.gateway.store import GatewayStore


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TVAERS_GATEWAY_DB", url)
    monkeypatch.setenv("TVAERS_GATEWAY_TOKEN_PEPPER", PEPPER)
    return url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["gateway", *args])
    return code, capsys.readouterr().out


def test_clients_add_list_rotate_revoke(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, token = run(capsys, "clients", "add", "eoj-a", "--name", "EOJ A", "--kommune", "101",
                      "--kommune", "147")  # fmt: skip
    assert code == 0 and token.strip().startswith("tvgw_")
    store = GatewayStore.open(cli_env, token_pepper=PEPPER)
    assert store.clients.authenticate(token.strip()) is not None
    code, listing = run(capsys, "clients", "list", "--format", "json")
    rows = json.loads(listing)
    assert [(r["client_id"], r["kommunekoder"]) for r in rows] == [("eoj-a", ["101", "147"])]
    assert token.strip() not in listing
    code, new = run(capsys, "clients", "rotate", "eoj-a")
    assert code == 0 and store.clients.authenticate(token.strip()) is None
    assert store.clients.authenticate(new.strip()) is not None
    assert run(capsys, "clients", "revoke", "eoj-a")[0] == 0
    assert store.clients.authenticate(new.strip()) is None
    assert run(capsys, "clients", "revoke", "eoj-a")[0] == 2  # no active client: input error
    assert run(capsys, "clients", "add", "x", "--name", "X", "--kommune", "999")[0] == 2
    store.close()


def test_import_synthetic_clients_toml(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "clients.toml"
    source.write_text(
        'schema_version = 1\n'
        '[[client]]\nclient_id = "eoj-alfa-oest"\nname = "Alfa"\nvendor = "Alfa"\n'
        'kommunekoder = ["101", "147"]\n'
        '[[client]]\nclient_id = "eoj-beta"\nname = "Beta"\nvendor = "Beta"\n'
        'kommunekoder = ["330"]\n'
    )  # fmt: skip
    creds = tmp_path / "creds.toml"
    assert run(capsys, "clients", "import", str(source), "--credentials-out", str(creds))[0] == 0
    assert creds.stat().st_mode & 0o777 == 0o600
    written = tomllib.loads(creds.read_text())["clients"]
    store = GatewayStore.open(cli_env, token_pepper=PEPPER)
    for entry in written:
        principal = store.clients.authenticate(entry["token"])
        assert principal is not None and principal.client_id == entry["client_id"]
        assert sorted(principal.kommunekoder) == entry["kommunekoder"]
    # A second import adds nothing and shows no tokens again.
    assert run(capsys, "clients", "import", str(source), "--credentials-out", str(creds))[0] == 0
    assert tomllib.loads(creds.read_text())["clients"] == []
    store.close()


def test_audit_by_cpr(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = GatewayStore.open(cli_env, token_pepper=PEPPER)
    store.audit.write([AuditEvent("kbh", "municipality", "read", "0101570001", "r1", "why")])
    code, text = run(
        capsys, "audit", "--cpr", "0101570001", "--operator", "alice", "--format", "json"
    )
    assert code == 0
    assert [(e["actor"], e["report_id"]) for e in json.loads(text)] == [("kbh", "r1")]
    events = store.audit.for_citizen("0101570001", asked_by="t", purpose="t")
    assert any(e.actor == "cli:alice" and e.action == "audit-query" for e in events)
    assert run(capsys, "audit", "--cpr", "12")[0] == 2
    store.close()


def test_migrate(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "migrate")
    assert code == 0 and "revision" in text


def test_recipients_lifecycle_and_status(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import tomli_w
    from gateway_factories import make_agreement

    agreement = tmp_path / "dhrd.toml"
    agreement.write_text(tomli_w.dumps(make_agreement("dhrd", population="list")))
    assert run(capsys, "recipients", "add", str(agreement))[0] == 0
    assert run(capsys, "recipients", "add", str(agreement))[0] == 2  # exists already
    _, listing = run(capsys, "recipients", "list", "--format", "json")
    assert [(r["recipient_id"], r["version"]) for r in json.loads(listing)] == [("dhrd", 1)]
    cprs = tmp_path / "cprs.txt"
    cprs.write_text("0101570001\n0202570002\n")
    assert run(capsys, "recipients", "population", "dhrd", str(cprs))[0] == 0
    cprs.write_text("0101570001\nnot-a-cpr\n")
    assert run(capsys, "recipients", "population", "dhrd", str(cprs))[0] == 2
    wider = tmp_path / "wider.toml"
    wider.write_text(
        tomli_w.dumps(make_agreement("dhrd", igs=("care", "rehab"), population="list"))
    )
    assert run(capsys, "recipients", "update", str(wider))[0] == 0
    _, listing = run(capsys, "recipients", "list", "--format", "json")
    assert json.loads(listing)[0]["version"] == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nrecipient_id = "x"\n')
    assert run(capsys, "recipients", "add", str(bad))[0] == 2
    _, schema = run(capsys, "recipients", "schema")
    assert json.loads(schema)["$id"].startswith("urn:tvaers:schema")
    _, status = run(capsys, "status", "--format", "json")
    assert [r["recipient_id"] for r in json.loads(status)["recipients"]] == ["dhrd"]
    assert run(capsys, "outbox", "list")[0] == 0
    assert run(capsys, "outbox", "replay", "99")[0] == 2
    assert run(capsys, "recipients", "revoke", "dhrd")[0] == 0
    assert run(capsys, "recipients", "rekey", "dhrd")[0] == 2
