#!/usr/bin/env python3
"""Medians of the ingest benchmark's runs, as the Markdown tables in RESULTS.md.

Usage: summarize.py results.jsonl [server-storage.txt ...]
CPU per span: the server JVM's own CPU and PostgreSQL's (its processes together), divided by
the spans committed (acknowledged for Zipkin's in-memory server) in the same run.
"""
import json
import os
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
groups = defaultdict(list)
for row in rows:
    groups[(row["server"], row["label"])].append(row)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def rate(run):
    return run.get("committedSpansPerSecond") or run["ackedSpansPerSecond"]


def per_span_micros(run, index, key):
    servers = list(run.get("servers", {}).values())
    if len(servers) <= index or not rate(run):
        return None
    return servers[index][key] / rate(run) * 1e6


def total_micros(run):
    jvm = per_span_micros(run, 0, "cpuCores")
    pg = per_span_micros(run, 1, "treeCpuCores")
    return None if jvm is None else jvm + (pg or 0)


order = {"meshtrace-before": 0, "meshtrace": 1, "zipkin-mem": 2}
print("| server | load | runs | acked spans/s | committed spans/s | ack p50 ms | ack p99 ms "
      "| server cores | PostgreSQL cores | generator cores | JVM µs/span | PostgreSQL µs/span "
      "| CPU µs/span | server peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (server, label), runs in sorted(groups.items(), key=lambda g: (g[0][1], order.get(g[0][0], 9))):
    if label.startswith("python-loadgen"):
        continue
    servers = [list(r.get("servers", {}).values()) for r in runs]
    print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
        server, label, len(runs),
        fmt(med([r["ackedSpansPerSecond"] for r in runs])),
        fmt(med([r.get("committedSpansPerSecond") for r in runs])),
        fmt(med([r["latencyMs"]["p50"] for r in runs]), 1),
        fmt(med([r["latencyMs"]["p99"] for r in runs]), 1),
        fmt(med([s[0]["cpuCores"] for s in servers if s]), 2),
        fmt(med([s[1]["treeCpuCores"] for s in servers if len(s) > 1]), 2),
        fmt(med([r.get("loadGeneratorCpuCores") for r in runs]), 2),
        fmt(med([per_span_micros(r, 0, "cpuCores") for r in runs]), 1),
        fmt(med([per_span_micros(r, 1, "treeCpuCores") for r in runs]), 1),
        fmt(med([total_micros(r) for r in runs]), 1),
        fmt(max([s[0]["peakRssMiB"] for s in servers if s], default=None))))
print()
print("Neutral Python generator (shared/tools/zipkin_loadgen.py, 100 spans a request; meshtrace's"
      " durable rate waits for a count(*) of the table to show every span):")
print()
print("| server | load | runs | accepted spans/s | durable spans/s | p50 ms | p99 ms |")
print("|---|---|---|---|---|---|---|")
for (server, label), runs in sorted(groups.items(), key=lambda g: (g[0][1], order.get(g[0][0], 9))):
    if not label.startswith("python-loadgen"):
        continue
    print("| {} | {} | {} | {} | {} | {} | {} |".format(
        server, label, len(runs), fmt(med([r["spans_per_s"] for r in runs])),
        fmt(med([r.get("durable_spans_per_s") for r in runs])),
        fmt(med([r["lat_ms_p50"] for r in runs]), 1), fmt(med([r["lat_ms_p99"] for r in runs]), 1)))
for path in sys.argv[2:]:
    count, total, partitions = open(path).read().strip().split("|")
    print()
    print(f"{os.path.basename(path).replace('-storage.txt', '')} storage after the runs: "
          f"{int(count):,} spans, {int(partitions) / int(count):.0f} bytes per span on disk "
          f"including indexes.")
