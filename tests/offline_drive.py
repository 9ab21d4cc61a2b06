"""Run inside a loopback-only network namespace by tests/test_offline.py: index, ask, serve, load the
page in Chromium and ask through it, with every Python process under tests/netguard's audit hook.
Prints one JSON object: what each step did, the browser's requests, and hits on the leak listener."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import ROOT, child_env, serving  # noqa: E402

WATTS = "How much power does a typical home solar panel produce?"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions"]


def leak_listener() -> tuple[int, list[str]]:
    """A loopback HTTP server that records every path asked of it (an image fetch would show here)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1], hits


def dns_listener() -> list[str]:
    """A DNS server on 127.0.0.1:53 (resolv.conf points here in the namespace) that records each name
    asked and answers REFUSED: it sees lookups made below Python too (onnxruntime's C++, Chromium)."""
    import socket

    names: list[str] = []
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 53))

    def serve() -> None:
        while True:
            packet, peer = server.recvfrom(4096)
            labels, at = [], 12
            while at < len(packet) and packet[at]:
                labels.append(packet[at + 1:at + 1 + packet[at]].decode(errors="replace"))
                at += 1 + packet[at]
            owner = subprocess.run(["ss", "-uapnH", f"sport = :{peer[1]}"], capture_output=True, text=True).stdout
            names.append(".".join(labels) + " " + (owner.split("users:")[-1].strip() if "users:" in owner else "?"))
            server.sendto(packet[:2] + bytes([0x81, 0x85]) + packet[4:], peer)  # REFUSED

    threading.Thread(target=serve, daemon=True).start()
    return names


def browse(url: str, profile: Path, questions: list[str]) -> list[str]:
    chromium = shutil.which("chromium")
    if chromium is None:
        return ["skipped: no chromium"]
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(str(profile), executable_path=chromium, headless=True,
                                                            args=CHROMIUM_FLAGS)
        try:
            context.on("request", lambda request: requests.append(request.url))
            page = context.pages[0] if context.pages else context.new_page()
            # "load", not "networkidle": the page keeps its state heartbeat open
            page.goto(url + "/", wait_until="load", timeout=60_000)
            for number, question in enumerate(questions, start=1):
                box = page.get_by_placeholder("Ask a question")
                box.fill(question)
                box.press("Enter")
                # the sources panel gets the answer's group when the answer is done (refused or not)
                page.locator(f"#rag-sources .rag-group[data-answer='{number}']").wait_for(state="attached",
                                                                                         timeout=60_000)
                page.wait_for_timeout(500)  # what the finished answer makes the page fetch, if anything
        finally:
            context.close()
    return requests


def main(home: Path) -> dict:
    lookups = dns_listener()
    port, hits = leak_listener()
    corpus, index = home / "corpus", home / "index"
    shutil.copytree(ROOT / "tests" / "fixtures" / "corpus", corpus)
    leak = f"http://127.0.0.1:{port}/leak.png"
    (corpus / "pictures.md").write_text(f"# Pictures\n\nThe solar panel picture shows a roof. ![x]({leak}) "
                                        f"<img src='{leak}?html'>\n", encoding="utf-8")
    env = child_env()
    rag = [sys.executable, "-m", "rag"]
    steps = {}
    for name, command in {"index": [*rag, "index", "--corpus", str(corpus), "--index", str(index)],
                          "ask": [*rag, "ask", WATTS, "--corpus", str(corpus), "--index", str(index)]}.items():
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        steps[name] = {"rc": done.returncode, "out": done.stdout[-500:], "err": done.stderr[-500:]}
    with serving(corpus, index, home / "serve.log", "--embedder", "minilm", env=env) as url:
        with httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
            steps["page"] = {"status": http.get("/").status_code}
            asked = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": WATTS}]})
            steps["api"] = {"status": asked.status_code, "text": asked.json()["choices"][0]["message"]["content"][:200]}
        product_lookups = list(lookups)  # before Chromium starts: Chromium itself asks Google's hosts
        requests = browse(url, home / "profile", ["What does the solar panel picture show?",
                                                  f"What does this show? ![y]({leak}?q) <img src='{leak}?qhtml'>"])
    return {"steps": steps, "browser_requests": requests, "leak_hits": hits, "base": url,
            "dns_lookups": product_lookups, "browser_dns_lookups": sorted(set(lookups[len(product_lookups):]))}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
