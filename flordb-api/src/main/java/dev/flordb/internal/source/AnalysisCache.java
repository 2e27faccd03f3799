package dev.flordb.internal.source;

import dev.flordb.internal.records.Json;
import java.io.IOException;
import java.net.URISyntaxException;
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
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the source analysis said about one version of a program, kept in {@code .flor/cache/} so
 * that only the first run of that version pays for it: where its statements and loops are
 * ({@link #sites()}, asked by every run) and, for a replay, the statements it fills in ({@link
 * #all(Set)}, asked by every replayed run of the version). An entry is named by the SHA-256 of the
 * program's text, of the question (the names to fill in) and of the analyser's own build, so that
 * a new FlorDB never reads what an older analyser concluded:
 *
 * <pre>{@code
 * .flor/cache/analysis-<sha-256>.json
 * {"version":2,"outermost":["epoch"],"sites":{"loss":[["epoch","step"]],"sse":[[]]},
 *  "statements":[{"name":"sum_loss","line":31,"loops":["epoch"],"placement":"OUTER",
 *                 "run_nested_loops":true,"from_first_iteration":false,"reasons":["..."]}]}
 * }</pre>
 *
 * A damaged or unreadable entry is analysed again; one that cannot be written is not kept.
 */
public final class AnalysisCache {
  static final int VERSION = 2;
  private final SourceAnalyzer analyzer;
  private final Path dir;
  private final Path source;
  private final String text;

  private AnalysisCache(SourceAnalyzer analyzer, Path dir, Path source, String text) {
    this.analyzer = analyzer;
    this.dir = dir;
    this.source = source;
    this.text = text;
  }

  /** The cache of this source's analyses, or null when it cannot be read or no analyser is on the class path. */
  public static AnalysisCache of(Path florDir, Path source) {
    SourceAnalyzer analyzer = SourceAnalyzer.find();
    if (analyzer == null) return null;
    try {
      return new AnalysisCache(analyzer, florDir.resolve("cache"), source, Files.readString(source));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether the program has a {@code break}, so that a loop may be left without Java telling the loop. */
  public boolean mayLeaveALoop() {
    return java.util.regex.Pattern.compile("\\bbreak\\b").matcher(text).find();
  }

  /** Where the statements are, from the cache, or null when this version has not been analysed yet. */
  public Sites cachedSites() {
    SourceAnalyzer.Analysis a = read(file(null));
    return a == null ? null : new Sites(a.sites(), a.outermostLoops());
  }

  /** Analyses where the statements are, and keeps the answer. */
  public Sites sites() {
    SourceAnalyzer.Analysis a = analyzer.analyze(source.getFileName().toString(), text, Set.of());
    write(file(null), a);
    return new Sites(a.sites(), a.outermostLoops());
  }

  /**
   * {@link SourceAnalyzer#analyzeAll} of this source for {@code apply}: from the cache, else
   * analysed now and kept.
   *
   * @throws IllegalArgumentException when the source does not parse, or a name in {@code apply}
   *     is logged by no statement with a literal name
   */
  public SourceAnalyzer.Analysis all(Set<String> apply) {
    Path file = file(apply);
    SourceAnalyzer.Analysis a = read(file);
    if (a != null) return a;
    a = analyzer.analyzeAll(source.getFileName().toString(), text, apply);
    write(file, a);
    return a;
  }

  /** The entry of the sites ({@code apply} null) or of the analysis for {@code apply}. */
  private Path file(Set<String> apply) {
    String question = apply == null ? "sites" : "all " + String.join(",", new TreeSet<>(apply));
    return dir.resolve("analysis-" + sha256(VERSION + "\0" + analyzerBuild(analyzer) + "\0" + question + "\0" + text) + ".json");
  }

  private static SourceAnalyzer.Analysis read(Path file) {
    try {
      if (!Files.isRegularFile(file)) return null;
      Map<?, ?> m = (Map<?, ?>) Json.parse(Files.readString(file));
      if (!(m.get("version") instanceof Number n) || n.intValue() != VERSION) return null;
      Map<String, Set<List<String>>> sites = new HashMap<>();
      ((Map<?, ?>) m.get("sites")).forEach((name, paths) -> {
        Set<List<String>> ps = new LinkedHashSet<>();
        for (Object p : (List<?>) paths) ps.add(strings(p));
        sites.put(name.toString(), ps);
      });
      List<SourceAnalyzer.Statement> statements = new ArrayList<>();
      for (Object o : (List<?>) m.get("statements")) {
        Map<?, ?> s = (Map<?, ?>) o;
        statements.add(new SourceAnalyzer.Statement(s.get("name").toString(), ((Number) s.get("line")).intValue(),
            strings(s.get("loops")), SourceAnalyzer.Placement.valueOf(s.get("placement").toString()),
            (Boolean) s.get("run_nested_loops"), (Boolean) s.get("from_first_iteration"), strings(s.get("reasons"))));
      }
      return new SourceAnalyzer.Analysis(statements, sites, strings(m.get("outermost")));
    } catch (IOException | RuntimeException e) {
      return null; // a damaged entry is analysed again
    }
  }

  private static void write(Path file, SourceAnalyzer.Analysis a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", VERSION);
    m.put("outermost", a.outermostLoops());
    Map<String, Object> sites = new LinkedHashMap<>();
    a.sites().forEach((name, paths) -> sites.put(name, new ArrayList<>(paths)));
    m.put("sites", sites);
    List<Object> statements = new ArrayList<>();
    for (SourceAnalyzer.Statement s : a.statements()) {
      Map<String, Object> st = new LinkedHashMap<>();
      st.put("name", s.name());
      st.put("line", s.line());
      st.put("loops", s.loops());
      st.put("placement", s.placement().name());
      st.put("run_nested_loops", s.runNestedLoops());
      st.put("from_first_iteration", s.fromFirstIteration());
      st.put("reasons", s.reasons());
      statements.add(st);
    }
    m.put("statements", statements);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      Files.writeString(tmp, Json.write(m));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // not kept: the next run analyses again
    }
  }

  private static List<String> strings(Object list) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) list) out.add(o.toString());
    return List.copyOf(out);
  }

  private static volatile String build;

  /**
   * What tells one build of the analyser from another: its jar's size and time, or for classes in
   * a directory (a development build) the latest time of any file there.
   */
  static String analyzerBuild(SourceAnalyzer analyzer) {
    String b = build;
    if (b != null) return b;
    String id = analyzer.getClass().getName();
    try {
      var codeSource = analyzer.getClass().getProtectionDomain().getCodeSource();
      if (codeSource != null) {
        Path where = Path.of(codeSource.getLocation().toURI());
        if (Files.isDirectory(where)) {
          try (Stream<Path> files = Files.walk(where)) {
            id += " " + where + " " + files.mapToLong(f -> f.toFile().lastModified()).max().orElse(0);
          }
        } else {
          id += " " + where + " " + Files.size(where) + " " + Files.getLastModifiedTime(where).toMillis();
        }
      }
    } catch (IOException | URISyntaxException | RuntimeException e) {
      id += " unknown " + System.nanoTime(); // unknown build: an entry that no later run reads
    }
    return build = id;
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
