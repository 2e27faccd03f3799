package dev.flordb.internal.records;



import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Where a run's records go while its record file cannot be written (a full disk): a file of the
 * same name in a directory of this project under another writable place, by default
 * {@code <java.io.tmpdir>/flordb-spill/<project>/} and then {@code ~/.cache/flordb/spill/<project>/}
 * (where {@code <project>} is a hash of the repository's path). Its bytes continue the record file
 * exactly where the written part ends; {@code <name>.spill.json} beside it says at which offset,
 * and which process is writing.
 *
 * <p>While the program runs, its record writer puts the bytes back itself when space returns. When
 * the program has ended first, {@link #recover}, which every read of the store calls, appends them
 * to the record file and removes the spill file.
 *
 * <p>The system property {@value #DIR_PROPERTY}, when set, replaces both places with {@code
 * <that directory>/<project>/}. It is for test runs (the build sets it to a directory of its own,
 * and the tests' child JVMs inherit it), whose projects live in temporary directories that are
 * gone before anything could put a spill back: their spills must not pile up in the machine's
 * temporary directory or the user's cache. A program and the {@code flordb} that reads its store
 * must agree on it, so users leave it unset.
 */
public final class Spill implements AutoCloseable {
  /** The system property that, when set, names the one directory every project's spills go under (for tests). */
  public static final String DIR_PROPERTY = "flordb.spill.dir";

  private final List<Path> roots;
  private final Path recordFile;
  private RecordWriter.Opener opener = RecordWriter.Opener.FILES;
  private Path file;
  private FileChannel channel;
  private long size;
  private long writtenBack;
  private boolean toldStart;

  Spill(List<Path> roots, Path recordFile) {
    this.roots = roots;
    this.recordFile = recordFile;
  }

  /** The spill of a record file {@code <repo>/.flor/records/<name>}, in the default places. */
  static Spill forRecordFile(Path recordFile) {
    Path workTree = recordFile.toAbsolutePath().getParent().getParent().getParent();
    return new Spill(defaultRoots(workTree), recordFile);
  }

  /** The project's spill directories, in the order they are tried. */
  public static List<Path> defaultRoots(Path workTree) {
    return roots(workTree, System.getProperty(DIR_PROPERTY), System.getProperty("java.io.tmpdir"),
        System.getProperty("user.home"));
  }

  /** The spill directories of a project given {@value #DIR_PROPERTY} (or null), the temporary directory and the home. */
  static List<Path> roots(Path workTree, String dir, String tmp, String home) {
    String project = projectKey(workTree);
    if (dir != null && !dir.isEmpty()) return List.of(Path.of(dir, project));
    List<Path> roots = new ArrayList<>();
    roots.add(Path.of(tmp, "flordb-spill", project));
    if (home != null) roots.add(Path.of(home, ".cache", "flordb", "spill", project));
    return roots;
  }

  void opener(RecordWriter.Opener o) {
    this.opener = o;
  }

  /** The spill file (the first place tried, until one is in use). */
  Path file() {
    return file != null ? file : roots.get(0).resolve(recordFile.getFileName());
  }

  boolean holdsBytes() {
    return size > writtenBack;
  }

  /** True once, after the first bytes went into the spill file. */
  boolean justStarted() {
    if (toldStart || file == null) return false;
    toldStart = true;
    return true;
  }

  /**
   * Appends a buffer's bytes, which continue the record file at {@code recordFileOffset} plus what
   * the spill file already holds. Returns false when no spill place takes them.
   */
  boolean append(RecordWriter.Buffer b, long recordFileOffset) {
    if (b.length == 0) return true;
    try {
      if (channel == null && !open(recordFileOffset)) return false;
      ByteBuffer buf = ByteBuffer.wrap(b.bytes, 0, b.length);
      long at = size;
      while (buf.hasRemaining()) at += channel.write(buf, at);
      size = at;
      return true;
    } catch (IOException e) {
      return false; // that place is full too: the bytes stay in memory, and the next round tries again
    }
  }

  private boolean open(long recordFileOffset) {
    for (Path root : roots) {
      try {
        Files.createDirectories(root);
        Path f = root.resolve(recordFile.getFileName());
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("record_file", recordFile.toAbsolutePath().toString());
        meta.put("offset", recordFileOffset);
        meta.put("pid", ProcessHandle.current().pid());
        meta.put("pid_start_ms", ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L));
        meta.put("host", Liveness.hostName());
        Files.writeString(metaOf(f), Json.write(meta));
        channel = opener.open(f, false);
        channel.truncate(0);
        file = f;
        size = 0;
        writtenBack = 0;
        return true;
      } catch (IOException e) {
        // try the next place
      }
    }
    return false;
  }

  /** Writes the spilled bytes not yet written back to the record file; removes the spill file once all are. */
  void writeBackTo(FileChannel target, LongConsumer written) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      while (writtenBack < size) {
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), size - writtenBack));
        int n = in.read(buf, writtenBack);
        if (n <= 0) throw new IOException("the spill file " + file + " is shorter than written");
        buf.flip();
        while (buf.hasRemaining()) {
          int w = target.write(buf);
          writtenBack += w;
          written.accept(w);
        }
      }
    }
    close();
    Files.deleteIfExists(file);
    Files.deleteIfExists(metaOf(file));
    file = null;
    size = 0;
    writtenBack = 0;
  }

  @Override
  public void close() {
    if (channel == null) return;
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing to keep
    }
    channel = null;
  }

  private static Path metaOf(Path spillFile) {
    return spillFile.resolveSibling(spillFile.getFileName() + ".spill.json");
  }

  /**
   * Puts back what programs that have ended left in this project's spill directories: each spill
   * file is appended to its record file when that file ends where the spill begins. Returns what
   * it did or could not do, for the user.
   */
  public static List<String> recover(Path florDir, List<Path> roots) {
    List<String> said = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.isDirectory(root)) continue;
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "*" + RecordFormat.SUFFIX)) {
        for (Path spilled : ds) recoverOne(florDir, spilled, said);
      } catch (IOException e) {
        said.add("could not read the spill directory " + root + ": " + e.getMessage());
      }
    }
    return said;
  }

  private static void recoverOne(Path florDir, Path spilled, List<String> said) {
    Path metaFile = metaOf(spilled);
    try {
      Map<?, ?> meta = (Map<?, ?>) Json.parse(Files.readString(metaFile));
      long pid = ((Number) meta.get("pid")).longValue();
      long pidStart = ((Number) meta.get("pid_start_ms")).longValue();
      if (Liveness.alive(pid, pidStart, String.valueOf(meta.get("host")))) return; // its writer puts it back itself
      Path target = florDir.resolve("records").resolve(spilled.getFileName());
      long offset = ((Number) meta.get("offset")).longValue();
      long have = Files.isRegularFile(target) ? Files.size(target) : -1;
      if (have != offset) {
        said.add(spilled + " holds records of " + target.getFileName() + " from byte " + offset + ", but that file has "
            + (have < 0 ? "gone" : have + " bytes") + "; it is kept for you to look at");
        return;
      }
      long n = Files.size(spilled);
      try (FileChannel in = FileChannel.open(spilled, StandardOpenOption.READ);
          FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        long done = 0;
        while (done < n) done += in.transferTo(done, n - done, out);
        out.force(false);
      }
      Files.delete(spilled);
      Files.deleteIfExists(metaFile);
      said.add("put back " + n + " bytes of records that a full disk had kept in " + spilled + " into " + target);
    } catch (IOException | RuntimeException e) {
      said.add("could not put back the records kept in " + spilled + " (" + e.getMessage() + "); they stay there");
    }
  }

  private static String projectKey(Path workTree) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(
          workTree.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(workTree.getFileName() == null ? "root" : workTree.getFileName().toString());
      sb.append('-');
      for (int i = 0; i < 6; i++) sb.append(String.format("%02x", d[i]));
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
