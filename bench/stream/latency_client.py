#!/usr/bin/env python3
"""Watches a live view's event stream (phasis ... --live PORT) as a browser would and records, for
every picture update, when this client saw it. Joined with the reconstruction's OUT_stream.csv
(the wall-clock arrival of the newest and oldest frame each iteration took in), this gives the
latency from a frame's arrival to its effect in the view.

  latency_client.py URL OUT.json [--seconds S]     (stdlib only; ends when the run's state is done)
"""
import argparse
import json
import time
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url", help="the live view's address, e.g. http://127.0.0.1:8080/")
    ap.add_argument("out", help="JSON file of the picture updates seen")
    ap.add_argument("--seconds", type=float, default=600, help="give up after this long")
    a = ap.parse_args()
    base = a.url.rstrip("/")
    deadline = time.time() + a.seconds
    while True:  # the server starts with the run: retry until it answers
        try:
            stream = urllib.request.urlopen(base + "/events", timeout=30)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    seen = []
    for raw in stream:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue
        now = time.time()
        e = json.loads(line[5:])
        for p in e.get("pictures", []):
            seen.append({"name": p["name"], "step": p["step"], "published": p["wall"], "seen": now})
        if e.get("state") not in ("running", "paused", "stopping") or now > deadline:
            break
    with open(a.out, "w") as f:
        json.dump(seen, f)
    print(f"latency client: {len(seen)} picture updates")


if __name__ == "__main__":
    main()
