"""Open an HTML report in real headless Chromium and check it as a reader would see it.

Usage: ``python -m benchmarks.browser_check REPORT.html [--screenshot out.png]``

Checks (exit 1 and a message on the first failure):
* the page loads, with no console errors or uncaught exceptions;
* every <img> decodes (``complete`` and ``naturalWidth > 0``);
* a full-page screenshot is not blank (pixel values vary).

Talks to Chromium over the DevTools protocol (``websocket-client``); Chromium from Debian's
``chromium`` package (``/usr/bin/chromium``). Also used by ``tests/report``.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

__all__ = ["find_chromium", "check_report"]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--remote-debugging-port=0", "--window-size=1200,900"]


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _CDP:
    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, name: str, timeout: float = 60.0) -> dict:
        end = time.time() + timeout
        for ev in self.events:
            if ev.get("method") == name:
                return ev
        while time.time() < end:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == name:
                return msg
        raise TimeoutError(f"no {name} within {timeout} s")


def check_report(html: str | Path, *, screenshot: str | Path | None = None,
                 chromium: str | None = None) -> dict:
    """Load ``html`` in headless Chromium; return the findings dict (raises on failure)."""
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError("Chromium not found (Debian package `chromium`).")
    url = Path(html).resolve().as_uri()
    profile = tempfile.mkdtemp(prefix="sc-chromium-")
    proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        end = time.time() + 60
        while time.time() < end and port is None:
            line = proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line or "")
            if m:
                port = int(m.group(1))
            elif not line and proc.poll() is not None:
                raise RuntimeError("Chromium exited before opening DevTools.")
        if port is None:
            raise TimeoutError("Chromium did not open DevTools in 60 s.")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as r:
            pages = [t for t in json.load(r) if t.get("type") == "page"]
        cdp = _CDP(pages[0]["webSocketDebuggerUrl"])
        cdp.call("Runtime.enable")
        cdp.call("Log.enable")
        cdp.call("Page.enable")
        cdp.call("Page.navigate", url=url)
        cdp.wait_event("Page.loadEventFired")
        res = cdp.call("Runtime.evaluate", returnByValue=True, expression=(
            "JSON.stringify(Array.from(document.images).map(i => [i.complete, i.naturalWidth,"
            " i.naturalHeight, i.alt]))"))
        images = json.loads(res["result"]["value"])
        metrics = cdp.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": size["width"],
                              "height": min(size["height"], 4000), "scale": 1})
        png = base64.b64decode(shot["data"])
        errors = []
        for ev in cdp.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(p.get("exceptionDetails", {}).get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", "")) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(p["entry"].get("text", "log error"))
        cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    if screenshot:
        Path(screenshot).write_bytes(png)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(io.BytesIO(png), format="png")
    findings = {"images": len(images), "broken_images": [im[3] for im in images
                                                         if not (im[0] and im[1] > 0)],
                "console_errors": errors, "screenshot_std": float(pixels.std()),
                "screenshot_shape": list(pixels.shape)}
    if errors:
        raise AssertionError(f"console errors: {errors}")
    if findings["broken_images"]:
        raise AssertionError(f"images that do not decode: {findings['broken_images']}")
    if findings["screenshot_std"] < 0.01:
        raise AssertionError("the screenshot is blank")
    return findings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html")
    ap.add_argument("--screenshot", default=None)
    ns = ap.parse_args(argv)
    try:
        findings = check_report(ns.html, screenshot=ns.screenshot)
    except (AssertionError, OSError, RuntimeError, TimeoutError) as exc:
        sys.stderr.write(f"browser check failed: {exc}\n")
        return 1
    sys.stdout.write(json.dumps(findings) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
