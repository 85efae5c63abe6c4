#!/usr/bin/env python3
"""Medians of the ingest benchmark's runs, as the Markdown tables in RESULTS.md."""
import json
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


print("| server | load | runs | acked spans/s | committed spans/s | ack p50 ms | ack p99 ms "
      "| server cores | PostgreSQL cores | generator cores | server peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (server, label), runs in sorted(groups.items()):
    if label == "python-loadgen":
        continue
    servers = [list(r.get("servers", {}).values()) for r in runs]
    print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
        server, label, len(runs),
        fmt(med([r["ackedSpansPerSecond"] for r in runs])),
        fmt(med([r.get("committedSpansPerSecond") for r in runs])),
        fmt(med([r["latencyMs"]["p50"] for r in runs]), 1),
        fmt(med([r["latencyMs"]["p99"] for r in runs]), 1),
        fmt(med([s[0]["cpuCores"] for s in servers if s]), 2),
        fmt(med([s[1]["treeCpuCores"] for s in servers if len(s) > 1]), 2),
        fmt(med([r.get("loadGeneratorCpuCores") for r in runs]), 2),
        fmt(max([s[0]["peakRssMiB"] for s in servers if s], default=None))))
print()
print("Neutral Python generator (shared/tools/zipkin_loadgen.py, 2 workers, 100 spans/request):")
print()
print("| server | runs | accepted spans/s | durable spans/s | p50 ms | p99 ms |")
print("|---|---|---|---|---|---|")
for (server, label), runs in sorted(groups.items()):
    if label != "python-loadgen":
        continue
    print("| {} | {} | {} | {} | {} | {} |".format(
        server, len(runs), fmt(med([r["spans_per_s"] for r in runs])),
        fmt(med([r.get("durable_spans_per_s") for r in runs])),
        fmt(med([r["lat_ms_p50"] for r in runs]), 1), fmt(med([r["lat_ms_p99"] for r in runs]), 1)))
if len(sys.argv) > 2:
    count, total, partitions = open(sys.argv[2]).read().strip().split("|")
    print()
    print(f"meshtrace storage after the runs: {int(count):,} spans, "
          f"{int(partitions) / int(count):.0f} bytes per span on disk including indexes.")
