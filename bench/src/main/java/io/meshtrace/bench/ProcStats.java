package io.meshtrace.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time and memory of server processes, from /proc (Linux). */
final class ProcStats {
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcStats() {}

  /** CPU seconds (user + system) of a process and all its descendants. */
  static double cpuSeconds(long pid) {
    double total = ownCpuSeconds(pid);
    for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList())
        .orElse(List.of())) {
      total += ownCpuSeconds(child.pid());
    }
    return total;
  }

  static double ownCpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields[11] and [12] are utime and stime (fields 14 and 15 of stat(5))
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }

  /** Peak resident set (VmHWM) of one process, in MiB. */
  static double peakRssMiB(long pid) {
    return statusKb(pid, "VmHWM:") / 1024.0;
  }

  /** Current resident set of a process and its descendants, in MiB. */
  static double treeRssMiB(long pid) {
    double kb = statusKb(pid, "VmRSS:");
    for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList())
        .orElse(List.of())) {
      kb += statusKb(child.pid(), "VmRSS:");
    }
    return kb / 1024.0;
  }

  private static long statusKb(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException gone) {
      // the process ended
    }
    return 0;
  }
}
