package dev.flordb.web;

import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * What people say of runs from the page: tags, a note, hiding. Each is a record with source
 * {@code human}, appended to the run's notes record file {@code .flor/records/<run>.notes-<stamp>.jsonl}
 * (one file per server, so two servers never write the same file) and committed, with the run's
 * other notes files, on {@code refs/flor/notes/<run>}, the previous commit its parent: so they are
 * versioned, queryable like every record ({@code SELECT * FROM logs WHERE source = 'human'}) and
 * come back with {@code flordb unpack} after the query database or the whole {@code .flor/} is gone.
 *
 * <pre>{@code
 * {"run":"<run>","seq":0,"t":...,"ctx":[],"kind":"tag","name":"baseline","type":"bool","value":true,"src":"human"}
 * {"run":"<run>","seq":1,"t":...,"ctx":[],"kind":"note","name":"note","type":"str","value":"diverged at epoch 3","src":"human"}
 * {"run":"<run>","seq":2,"t":...,"ctx":[],"kind":"hide","name":"hidden","type":"bool","value":true,"src":"human"}
 * }</pre>
 *
 * A tag removed is the same tag with {@code false}; the last record of a name holds.
 */
final class Notes {
  /** Tags are words: letters, digits and {@code - _ . : /}, at most 64 of them. */
  private static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N}_.:/-]{1,64}");
  static final int MAX_NOTE = 10_000;

  private final Snapshots git;
  private final Path records;
  private final String stamp;
  private final LongSupplier clock;

  Notes(Snapshots git, Path florDir, String stamp, LongSupplier clock) {
    this.git = git;
    this.records = florDir.resolve("records");
    this.stamp = stamp;
    this.clock = clock;
  }

  static String checkTag(String tag) {
    if (tag == null || !TAG.matcher(tag).matches()) {
      throw ApiError.badRequest("tag " + Json.write(tag) + " is not a tag: give 1 to 64 letters, digits or - _ . : /"
          + " (for example baseline)");
    }
    return tag;
  }

  void tag(String run, String tag, boolean on) {
    append(run, "tag", checkTag(tag), "bool", on, (on ? "tag " : "untag ") + tag);
  }

  void note(String run, String text) {
    if (text == null) throw ApiError.badRequest("a note needs its text (the form field text; empty removes the note)");
    if (text.length() > MAX_NOTE) {
      throw ApiError.badRequest("the note has " + text.length() + " characters; at most " + MAX_NOTE + " are kept");
    }
    append(run, "note", "note", "str", text, text.isEmpty() ? "remove the note" : "note");
  }

  void hide(String run, boolean hidden) {
    append(run, "hide", "hidden", "bool", hidden, hidden ? "hide" : "show");
  }

  /** One record, made durable, then the run's notes files committed. */
  private synchronized void append(String run, String kind, String name, String type, Object value, String what) {
    if (!RecordFormat.isRunId(run)) throw ApiError.notFound("there is no run " + Json.write(run));
    Path file = records.resolve(run + Snapshots.NOTES_RECORDS_INFIX + stamp + RecordFormat.SUFFIX);
    try {
      long seq = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8).size() : 0;
      Map<String, Object> rec = new LinkedHashMap<>();
      rec.put("run", run);
      rec.put("seq", seq);
      rec.put("t", clock.getAsLong());
      rec.put("ctx", List.of());
      rec.put("kind", kind);
      rec.put("name", name);
      rec.put("type", type);
      rec.put("value", value);
      rec.put("src", "human");
      byte[] line = (Json.write(rec) + "\n").getBytes(StandardCharsets.UTF_8);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND)) {
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) ch.write(b);
        ch.force(true);
      }
      git.commitNotes(run, notesFiles(run), "flordb serve: " + what + " (" + run + ")");
    } catch (IOException e) {
      throw new IllegalStateException("could not keep the " + kind + " of run " + run + " in " + file + ": " + e.getMessage(), e);
    }
  }

  /** Every notes file of the run here, from every server that wrote one. */
  private List<Path> notesFiles(String run) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(records, run + Snapshots.NOTES_RECORDS_INFIX + "*" + RecordFormat.SUFFIX)) {
      for (Path p : ds) if (run.equals(RecordFormat.runOfFile(p.getFileName().toString()))) out.add(p);
    }
    return out;
  }
}
