package dev.flordb.internal.records;

import java.io.IOException;
import java.time.Instant;

/**
 * Whether the process that writes a record file is still alive: the same process id, started at
 * the same time, on this machine (a run's liveness is only judged on its own host).
 */
public final class Liveness {
  private Liveness() {}

  /** This machine's name, looked up once. */
  public static String hostName() {
    return HostName.VALUE;
  }

  private static final class HostName {
    static final String VALUE = lookUp();

    private static String lookUp() {
      String h = System.getenv("HOSTNAME");
      if (h != null) return h;
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "unknown";
      }
    }
  }

  /** Whether the process {@code pid}, started at {@code startMs} on {@code host}, is alive. */
  public static boolean alive(long pid, long startMs, String host) {
    if (pid <= 0 || host == null || !host.equals(hostName())) return false;
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .flatMap(p -> p.info().startInstant())
        .map(Instant::toEpochMilli)
        .map(ms -> Math.abs(ms - startMs) < 2000)
        .orElse(false);
  }
}
