#!/usr/bin/env python3
"""Latency from a frame's arrival to its effect in the live view: for each object picture the
client saw (latency_client.py), the iteration it shows took in frames whose arrival times the
stream timeline (OUT_stream.csv: newest_arrival, oldest_arrival, system clock) holds. The newest
frame's latency is the best case; the oldest frame of that intake waited a whole iteration more
(it arrived just after the previous iteration began).

  latency_report.py OUT_stream.csv PICTURES.json
"""
import csv
import json
import statistics
import sys


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    pics = [p for p in json.load(open(sys.argv[2])) if p["name"] == "object_phase"]
    # Each intake (an iteration that took in new frames) first shows in the first object picture
    # of that iteration or a later one.
    pics.sort(key=lambda p: p["seen"])
    best, worst = [], []
    for r in rows:
        newest, oldest = float(r["newest_arrival"]), float(r["oldest_arrival"])
        if newest <= 0:
            continue
        first = next((p for p in pics if int(p["step"]) >= int(r["iteration"])), None)
        if first is None:
            continue
        best.append(first["seen"] - newest)
        worst.append(first["seen"] - oldest)
    if not best:
        sys.exit("latency report: no object picture matched an iteration that took in frames")
    q = lambda v, f: sorted(v)[min(len(v) - 1, int(f * len(v)))]
    print(f"intakes shown: {len(best)}; newest frame -> view: median {statistics.median(best):.3f} s, "
          f"90% {q(best, 0.9):.3f} s, max {max(best):.3f} s; oldest frame of the intake -> view: median "
          f"{statistics.median(worst):.3f} s, max {max(worst):.3f} s")


if __name__ == "__main__":
    main()
