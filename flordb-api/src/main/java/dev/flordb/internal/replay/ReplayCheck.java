package dev.flordb.internal.replay;

import dev.flordb.internal.records.Frame;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.records.RecordWriter;
import dev.flordb.internal.records.Values;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A replay checking itself against the run it replays. Every forward statement that the replay
 * executes again must log the value the run recorded at that position (numbers bit for bit, other
 * values exactly), and every outermost iteration the replay executes must end in the state of the
 * checkpoint the run took there (compared by {@link #stateHash}). The first difference makes the
 * replay <em>diverged</em>: its values are not stored as replay values (its record file ends with
 * a {@code verdict} record saying so, which the store honours), and {@code flordb replay} tries
 * again with the safer strategy.
 *
 * <p>The recorded values are kept as 64-bit hashes of (name, position) and of the value's canonical
 * text, so that a run of millions of records costs tens of megabytes, not gigabytes; the recorded
 * text of a value that differed is looked up again from the record file for the message.
 */
public final class ReplayCheck {
  /** One difference between the replay and the recorded run. */
  public record Divergence(String kind, String name, String position, String recorded, String replayed, String message) {
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("name", name);
      m.put("position", position);
      m.put("recorded", recorded);
      m.put("replayed", replayed);
      m.put("message", message);
      return m;
    }
  }

  /** Position hash to value hash; {@link #SEVERAL} where a name was logged several times at one position. */
  private final LongLongMap values = new LongLongMap();
  private final Map<Long, Set<Long>> several = new HashMap<>();
  /** Names the run logged (forward), so that a value at a new position of a known name is a divergence. */
  private final Set<String> names = new HashSet<>();
  /** "loop@index" to the state hash of the run's checkpoint there. */
  private final Map<String, Long> states = new HashMap<>();
  private final List<Divergence> divergences = new ArrayList<>();
  private long checked;
  private long statesChecked;
  private static final long SEVERAL = Long.MIN_VALUE + 1;

  /** Notes a value the run logged (called while reading its record file). */
  void recordedValue(String name, String positionKey, Values type, Object value) {
    names.add(name);
    long key = hash(name + "@" + positionKey);
    long v = hash(canonical(type, value));
    long old = values.get(key);
    if (old == LongLongMap.ABSENT) {
      values.put(key, v);
    } else if (old == SEVERAL) {
      several.get(key).add(v);
    } else if (old != v) {
      Set<Long> s = new HashSet<>();
      s.add(old);
      s.add(v);
      several.put(key, s);
      values.put(key, SEVERAL);
    }
  }

  /** Notes the state hash of a checkpoint the run wrote. */
  void recordedState(String loop, long index, long hash) {
    states.put(loop + "@" + index, hash);
  }

  public boolean hasState(String loop, long index) {
    return states.containsKey(loop + "@" + index);
  }

  /**
   * Compares a value the replay logged with what the run recorded there.
   *
   * @return the divergence, or null when it is the same (or the run has no value of that name)
   */
  public Divergence value(String name, Frame ctx, Object value) {
    if (!names.contains(name)) return null;
    String position = ctx.positionKey();
    long key = hash(name + "@" + position);
    long found = values.get(key);
    Values type = Values.classify(value);
    String replayed = canonical(type, type.fromJson(Json.parse(RecordWriter.valueText(type, value))));
    checked++;
    long v = hash(replayed);
    if (found == v || (found == SEVERAL && several.get(key).contains(v))) return null;
    String where = position.isEmpty() ? "outside every loop" : "at " + position.replace('/', ' ');
    Divergence d = found == LongLongMap.ABSENT
        ? new Divergence("shape", name, position, null, shown(replayed),
            "the replay logged " + name + " " + where + ", where the recorded run logged none")
        : new Divergence("value", name, position, null, shown(replayed),
            name + " " + where + " is " + shown(replayed) + " in the replay but was different when recorded");
    divergences.add(d);
    return d;
  }

  /** Compares the enrolled state at the end of an executed iteration with the run's checkpoint there. */
  public Divergence state(String loop, long index, long hash) {
    Long recorded = states.get(loop + "@" + index);
    if (recorded == null) return null;
    statesChecked++;
    if (recorded == hash) return null;
    Divergence d = new Divergence("state", null, loop + "=" + index, null, null,
        "the checkpointed state at the end of " + loop + " " + index + " differs from the one the run wrote there");
    divergences.add(d);
    return d;
  }

  /** A difference found by other means (the run's shape: iterations, statements that never ran). */
  public Divergence shape(String name, String message) {
    Divergence d = new Divergence("shape", name, "", null, null, message);
    divergences.add(d);
    return d;
  }

  /** Replaces a divergence with one that also shows the value the run recorded; returns it. */
  public Divergence explain(Divergence d, String recordedText) {
    int at = divergences.indexOf(d);
    if (at < 0 || recordedText == null) return d;
    String msg = d.name() + " at " + d.position().replace('/', ' ') + " was " + recordedText + " when recorded and is "
        + d.replayed() + " in the replay";
    Divergence explained = new Divergence(d.kind(), d.name(), d.position(), recordedText, d.replayed(), msg);
    divergences.set(at, explained);
    return explained;
  }

  public List<Divergence> divergences() {
    return List.copyOf(divergences);
  }

  public long checked() {
    return checked;
  }

  public long statesChecked() {
    return statesChecked;
  }

  /** The text a value is compared by: its type and its JSON as read back from a record file. */
  static String canonical(Values type, Object value) {
    return type.wire + ":" + RecordWriter.valueText(type, value);
  }

  private static String shown(String canonical) {
    String s = canonical.substring(canonical.indexOf(':') + 1);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  /** 64-bit FNV-1a with a final mix: a stand-in for the text, for comparison only. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** An open-addressing map of long to long, for millions of entries without boxing. */
  static final class LongLongMap {
    static final long ABSENT = Long.MIN_VALUE;
    private long[] keys = new long[1 << 10];
    private long[] vals = new long[1 << 10];
    private boolean[] used = new boolean[1 << 10];
    private int size;

    long get(long key) {
      int mask = keys.length - 1;
      for (int i = (int) (key ^ (key >>> 32)) & mask; used[i]; i = (i + 1) & mask) {
        if (keys[i] == key) return vals[i];
      }
      return ABSENT;
    }

    void put(long key, long value) {
      if (2 * (size + 1) > keys.length) grow();
      int mask = keys.length - 1;
      int i = (int) (key ^ (key >>> 32)) & mask;
      while (used[i] && keys[i] != key) i = (i + 1) & mask;
      if (!used[i]) size++;
      used[i] = true;
      keys[i] = key;
      vals[i] = value;
    }

    private void grow() {
      long[] k = keys;
      long[] v = vals;
      boolean[] u = used;
      keys = new long[k.length * 2];
      vals = new long[k.length * 2];
      used = new boolean[k.length * 2];
      size = 0;
      for (int i = 0; i < k.length; i++) if (u[i]) put(k[i], v[i]);
    }
  }
}
