package dev.flordb.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU time each kind of thread of this JVM has used so far, from Linux's {@code
 * /proc/self/task/<tid>/schedstat} (nanoseconds on a CPU): the JVM's own threads (compilers,
 * garbage collector) are not visible to {@code ThreadMXBean}. Threads are grouped by name with
 * trailing digits dropped ({@code C2 CompilerThread0} and {@code 1} are one). Empty where there is
 * no {@code /proc}: the benchmarks then print no breakdown. Reading it allocates little and loads
 * no regular expressions, so that reading it before a measured loop does not disturb the loop.
 */
final class ThreadCpu {
  private ThreadCpu() {}

  static Map<String, Long> now() {
    Map<String, Long> cpu = new TreeMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) return cpu;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tasks)) {
      for (Path t : ds) {
        try {
          String name = withoutTrailingDigits(Files.readString(t.resolve("comm")).trim());
          long ns = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
          cpu.merge(name, ns, Long::sum);
        } catch (IOException | RuntimeException e) {
          // a thread that ended while it was read: its time is not counted
        }
      }
    } catch (IOException e) {
      return new TreeMap<>();
    }
    return cpu;
  }

  private static String withoutTrailingDigits(String s) {
    int end = s.length();
    while (end > 0 && Character.isDigit(s.charAt(end - 1))) end--;
    return s.substring(0, end);
  }

  /**
   * Prints {@code RESULT <prefix>_cpu_<thread>_ns <ns per op>} for each group that used at least 1%
   * of the interval between {@code before} and {@code after}; the JVM's main thread is {@code java}.
   */
  static void print(String prefix, Map<String, Long> before, Map<String, Long> after, long ops) {
    if (after.isEmpty()) return; // no /proc: no breakdown, rather than a total of 0
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (used * 100 < total) continue;
      String key = e.getKey().replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_|_$", "").toLowerCase(java.util.Locale.ROOT);
      System.out.printf("RESULT %s_cpu_%s_ns %.1f%n", prefix, key, used / (double) ops);
    }
    System.out.printf("RESULT %s_cpu_all_ns %.1f%n", prefix, total / (double) ops);
  }
}
