#!/usr/bin/python3
"""Plots a client's requests through a failover (failover-samples.csv + failover-timeline.json) to PNG."""
import csv
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(samples_csv, timeline_json, png):
    t_ok, lat_ok, t_fail = [], [], []
    with open(samples_csv) as f:
        for row in csv.DictReader(f):
            t = int(row["t_ms"]) / 1000.0
            if row["ok"] == "1":
                t_ok.append(t)
                lat_ok.append(int(row["latency_ms"]))
            else:
                t_fail.append(t)
    tl = json.load(open(timeline_json))
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.scatter(t_ok, lat_ok, s=8, color="tab:blue", label="answered request (latency)")
    top = max(lat_ok + [250]) * 1.1
    ax.scatter(t_fail, [top] * len(t_fail), s=14, marker="x", color="tab:red", label="failed / timed out")
    marks = [(0, "fault: node cut off", "black"),
             (tl["detect_ms"], "suspected", "tab:red"),
             (tl["decide_ms"], "decision seen", "tab:orange"),
             (tl["pod_replaced_ms"], "pod replaced", "tab:purple"),
             (tl["restore_ms"], "restored (CRIU)", "tab:green"),
             (tl["fault_to_service_ms"], "first good response", "tab:blue")]
    for ms, label, color in marks:
        if ms >= 0:
            ax.axvline(ms / 1000.0, color=color, linestyle="--", linewidth=1)
            ax.text(ms / 1000.0, top * 1.02, label, rotation=30, fontsize=8, color=color, ha="left", va="bottom")
    ax.set_xlabel("seconds after the fault")
    ax.set_ylabel("request latency (ms)")
    lost = tl.get("state_lost_ms")
    lost_text = "state lost %d ms" % lost if lost is not None else "state lost not known (no good read before the fault)"
    ax.set_title("TCP requests to the protected counter through a node failure (%s -> %s), %s"
                 % (tl["source"], tl["target"], lost_text), fontsize=10)
    ax.set_ylim(0, top * 1.35)
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:4])
