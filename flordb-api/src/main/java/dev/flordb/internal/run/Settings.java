package dev.flordb.internal.run;

import dev.flordb.internal.checkpoint.CheckpointPolicy;
import dev.flordb.internal.git.SnapshotRules;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Every {@code FLOR_*} environment variable, read in one place and one way, so that each has one
 * meaning everywhere and tests can pass their own environment.
 *
 * <table>
 *   <caption>The variables</caption>
 *   <tr><th>variable</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@code FLOR_QUIET}</td><td>no echo of logged values, no progress bars</td><td>off</td></tr>
 *   <tr><td>{@code FLOR_CAPTURE}</td><td>record what the program prints ({@code io::stdout}, {@code io::stderr})</td><td>on</td></tr>
 *   <tr><td>{@code FLOR_CHECKPOINTS}</td><td>write checkpoints at all</td><td>on</td></tr>
 *   <tr><td>{@code FLOR_CKPT_FRACTION}</td><td>the share of training time checkpoints may cost (1: every iteration)</td><td>0.1</td></tr>
 *   <tr><td>{@code FLOR_CKPT_INTERVAL_S}</td><td>at least this many seconds between checkpoints</td><td>0</td></tr>
 *   <tr><td>{@code FLOR_REPLAY_VERDICT}</td><td>where a replayed program writes its verdict (set by {@code flordb replay})</td><td>none</td></tr>
 *   <tr><td>{@code FLOR_REPLAY_SOURCE}</td><td>a compiled program's patched main source (set by {@code flordb replay})</td><td>none</td></tr>
 *   <tr><td>{@code FLOR_STORE}</td><td>the store the team shares, a JDBC URL ({@code jdbc:postgresql://HOST:PORT/DB});
 *       else {@code store.url} in {@code flordb.properties} ({@link #storeUrl(Path)})</td><td>none</td></tr>
 * </table>
 *
 * A switch is on for {@code 1}, {@code true}, {@code yes} or {@code on} and off for {@code 0},
 * {@code false}, {@code no} or {@code off}, in any case; anything else is refused with the
 * variable's name, as is a number that does not parse.
 */
public final class Settings {
  public final boolean quiet;
  public final boolean capture;
  public final boolean checkpoints;
  public final double checkpointFraction;
  public final double checkpointIntervalSeconds;
  public final Path replayVerdict;
  public final String replaySource;
  /** FLOR_STORE, or null. */
  public final String store;

  private Settings(Map<String, String> env) {
    quiet = flag(env, "FLOR_QUIET", false);
    capture = flag(env, "FLOR_CAPTURE", true);
    checkpoints = flag(env, "FLOR_CHECKPOINTS", true);
    checkpointFraction = number(env, "FLOR_CKPT_FRACTION", CheckpointPolicy.DEFAULT_FRACTION);
    checkpointIntervalSeconds = number(env, "FLOR_CKPT_INTERVAL_S", CheckpointPolicy.DEFAULT_INTERVAL_SECONDS);
    String verdict = text(env, "FLOR_REPLAY_VERDICT");
    replayVerdict = verdict == null ? null : Path.of(verdict);
    replaySource = text(env, "FLOR_REPLAY_SOURCE");
    store = text(env, "FLOR_STORE");
  }

  /**
   * The shared store of the project in {@code workTree}: {@code FLOR_STORE}, else {@code
   * store.url} in its {@code flordb.properties}, else null (the local store only). The file is
   * committed with the project, so a URL there must hold no password.
   */
  public String storeUrl(Path workTree) {
    if (store != null) return store;
    String url = SnapshotRules.properties(workTree).getProperty("store.url");
    if (url == null || url.isBlank()) return null;
    if (url.contains("password=")) {
      throw new IllegalArgumentException(workTree.resolve("flordb.properties") + ": store.url holds a password, and the"
          + " file is committed with the project; take it out of the URL and give it in PGPASSWORD or ~/.pgpass");
    }
    return url.trim();
  }

  /** The settings of this process's environment. */
  public static Settings fromEnvironment() {
    return of(System.getenv());
  }

  /** The settings of the given environment (for tests). */
  public static Settings of(Map<String, String> env) {
    return new Settings(env);
  }

  private static String text(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  static boolean flag(Map<String, String> env, String name, boolean otherwise) {
    String v = text(env, name);
    if (v == null) return otherwise;
    switch (v.toLowerCase(Locale.ROOT)) {
      case "1": case "true": case "yes": case "on": return true;
      case "0": case "false": case "no": case "off": return false;
      default:
        throw new IllegalArgumentException(name + "=" + v + " is neither on nor off; use " + name + "=1 or " + name + "=0");
    }
  }

  static double number(Map<String, String> env, String name, double otherwise) {
    String v = text(env, name);
    if (v == null) return otherwise;
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "=" + v + " is not a number; unset it or give one, for example "
          + name + "=" + otherwise);
    }
  }
}
