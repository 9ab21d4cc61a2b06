"""Offline, proven (issue 14): `rag index`, `rag ask`, `rag serve` and a Chromium page load inside a
network namespace with only loopback (its DNS server a listener that records each name), every Python process under an audit hook that logs DNS
lookups and connects to anything but loopback. Zero are allowed; no image outside the page's own
origin is fetched, even when the corpus or the question names one on another loopback port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def namespace_works() -> str:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip (iproute2) is not installed"
    probe = subprocess.run(["unshare", "-rnm", "sh", "-c", "ip link set lo up && mount --bind /dev/null /etc/hosts"],
                           capture_output=True, text=True)
    return "" if probe.returncode == 0 else f"unshare -rnm is not permitted here: {probe.stderr.strip()}"


def test_index_ask_serve_and_browse_with_no_outside_connection(tmp_path):
    why = namespace_works()
    if why:
        pytest.skip(why)
    log = tmp_path / "net.log"
    env = {**os.environ, "RAG_NET_LOG": str(log), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join([str(HERE / "netguard"), str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    home = tmp_path / "home"
    home.mkdir()
    resolv = tmp_path / "resolv.conf"  # every DNS lookup in the namespace goes to the drive's listener
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    done = subprocess.run(["unshare", "-rnm", "sh", "-c", f'ip link set lo up && mount --bind {resolv} /etc/resolv.conf'
                           ' && exec "$0" "$@"', sys.executable,
                           str(HERE / "offline_drive.py"), str(home)], env=env, capture_output=True, text=True,
                          timeout=580, cwd=HERE.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    steps = result["steps"]
    assert steps["index"]["rc"] == 0, steps["index"]
    assert steps["ask"]["rc"] == 0 and "watts" in steps["ask"]["out"], steps["ask"]
    assert steps["page"]["status"] == 200 and steps["api"]["status"] == 200
    attempts = log.read_text().splitlines() if log.exists() else []
    assert attempts == [], f"outside network attempts: {attempts[:20]}"
    ours = result["dns_lookups"] + [n for n in result["browser_dns_lookups"] if '"python"' in n]
    assert ours == [], f"DNS lookups by the product in the namespace: {sorted(set(ours))}"
    # Chromium's own lookups (update.googleapis.com...) come from the browser, not the page or the
    # product; the page's requests are checked one by one below.
    print("Chromium's own DNS lookups:", [n for n in result["browser_dns_lookups"] if '"python"' not in n])
    requests = result["browser_requests"]
    if requests != ["skipped: no chromium"]:
        assert requests, "the browser made requests"
        foreign = [u for u in requests if not u.startswith((result["base"], "data:", "blob:"))]
        assert foreign == [], f"the page fetched from outside its own origin: {foreign}"
    assert result["leak_hits"] == [], "an image named in the corpus or a question was fetched"
