package dev.flordb.internal.source;

import dev.flordb.internal.records.Json;

import dev.flordb.internal.source.SourceAnalyzer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a program's statements and loops are ({@link SourceAnalyzer.Analysis#sites()}), kept in
 * {@code .flor/cache/sites-<sha-256 of the source>.json} so that only the first run of a version
 * of the code pays for the analysis:
 *
 * <pre>{@code
 * {"version":1,"outermost":["epoch"],"sites":{"loss":[["epoch","step"]],"sse":[[]]}}
 * }</pre>
 */
public final class SiteCache {
  static final int VERSION = 1;
  private final Path file;
  private final Path source;
  private final String text;

  private SiteCache(Path file, Path source, String text) {
    this.file = file;
    this.source = source;
    this.text = text;
  }

  /** The cache entry of this source, or null when it cannot be read or no analyser is on the class path. */
  public static SiteCache of(Path florDir, Path source) {
    if (SourceAnalyzer.find() == null) return null;
    try {
      String text = Files.readString(source);
      return new SiteCache(florDir.resolve("cache").resolve("sites-" + sha256(text) + ".json"), source, text);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether the program has a {@code break}, so that a loop may be left without Java telling the loop. */
  public boolean mayLeaveALoop() {
    return java.util.regex.Pattern.compile("\\bbreak\\b").matcher(text).find();
  }

  /** The sites from the cache, or null when this version has not been analysed yet. */
  public Sites cached() {
    try {
      if (!Files.isRegularFile(file)) return null;
      Map<?, ?> m = (Map<?, ?>) Json.parse(Files.readString(file));
      if (!(m.get("version") instanceof Number) || ((Number) m.get("version")).intValue() != VERSION) return null;
      Map<String, Set<List<String>>> sites = new HashMap<>();
      ((Map<?, ?>) m.get("sites")).forEach((name, paths) -> {
        Set<List<String>> ps = new LinkedHashSet<>();
        for (Object p : (List<?>) paths) {
          List<String> path = new ArrayList<>();
          for (Object loop : (List<?>) p) path.add(loop.toString());
          ps.add(List.copyOf(path));
        }
        sites.put(name.toString(), ps);
      });
      List<String> outermost = new ArrayList<>();
      for (Object o : (List<?>) m.get("outermost")) outermost.add(o.toString());
      return new Sites(sites, outermost);
    } catch (IOException | RuntimeException e) {
      return null; // a damaged cache entry is analysed again
    }
  }

  /** Analyses the source and keeps the answer. */
  public Sites analyze() {
    SourceAnalyzer.Analysis a = SourceAnalyzer.find().analyze(source.getFileName().toString(), text, Set.of());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", VERSION);
    m.put("outermost", a.outermostLoops());
    Map<String, Object> sites = new LinkedHashMap<>();
    a.sites().forEach((name, paths) -> sites.put(name, new ArrayList<>(paths)));
    m.put("sites", sites);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      Files.writeString(tmp, Json.write(m));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // not kept: the next run analyses again
    }
    return new Sites(a.sites(), a.outermostLoops());
  }

  private static String sha256(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : d) sb.append(String.format("%02x", b));
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
