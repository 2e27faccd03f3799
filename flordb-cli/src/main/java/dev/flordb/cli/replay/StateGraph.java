package dev.flordb.cli.replay;

import dev.flordb.cli.replay.Roots.Field;
import dev.flordb.cli.replay.Roots.Place;
import dev.flordb.cli.replay.Roots.Root;
import dev.flordb.cli.replay.Roots.Static;
import dev.flordb.cli.replay.Roots.Value;
import dev.flordb.cli.replay.Roots.Write;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link ProgramWalk} found about the program's state: every write, where each root was
 * declared, and which roots may hold the same objects (alias classes, a union-find over roots),
 * with the classes held in the fields of others. Filled during the walk, then {@link #finish
 * finished} once; read by {@link Dependences}.
 */
final class StateGraph {
  private final List<Write> writes = new ArrayList<>();
  private final Map<Root, Place> declared = new HashMap<>();
  private final Map<Root, Root> aliasParent = new HashMap<>();
  private final Set<Field> fields = new HashSet<>();
  private final Map<Root, Set<Root>> containers = new HashMap<>();

  void add(Write w) {
    note(w.target());
    writes.add(w);
  }

  /** Where {@code r} came to be (the first place, when it is declared again). */
  void declare(Root r, Place where) {
    declared.putIfAbsent(r, where);
  }

  /** {@code a} and {@code b} may hold the same object. */
  void union(Root a, Root b) {
    note(a);
    note(b);
    Root x = aliasClass(a);
    Root y = aliasClass(b);
    if (!x.equals(y)) aliasParent.put(x, y);
  }

  /** The field {@code name} of what {@code r} holds. */
  Root field(Root r, String name) {
    Root f = Field.of(r, name);
    note(f);
    return f;
  }

  /** A static field is declared before everything runs; a field is noted for {@link #finish}. */
  private void note(Root r) {
    if (r instanceof Field fl && fields.add(fl)) note(fl.base);
    Root o = r.origin();
    if (o instanceof Static && !declared.containsKey(o)) declared.put(o, new Place(List.of(), List.of(), null, -1, List.of(), List.of()));
  }

  /**
   * Makes the same field of objects that may be the same one the same state ({@code this.total}
   * in one activation and {@code trainer.total} in another), and records which alias class holds
   * which (a field's class is inside its base's). {@code read}: the values read besides those
   * written, so that the fields they name are counted.
   */
  void finish(List<Value> read) {
    for (Write w : writes) for (Root r : w.value().deps) note(r);
    for (Value v : read) for (Root r : v.deps) note(r);
    boolean changed = true;
    while (changed) {
      changed = false;
      Map<Root, Map<String, Field>> byBase = new HashMap<>();
      for (Field fl : fields) {
        Field first = byBase.computeIfAbsent(aliasClass(fl.base), k -> new HashMap<>()).putIfAbsent(fl.name, fl);
        if (first != null && !aliasClass(first).equals(aliasClass(fl))) {
          union(first, fl);
          changed = true;
        }
      }
    }
    for (Field fl : fields) containers.computeIfAbsent(aliasClass(fl), k -> new HashSet<>()).add(aliasClass(fl.base));
  }

  List<Write> writes() {
    return writes;
  }

  Place declared(Root r) {
    return declared.get(r);
  }

  /** Every root declared (not fields: they are part of their base). */
  Set<Root> declaredRoots() {
    return declared.keySet();
  }

  /** The representative of {@code r}'s alias class. */
  Root aliasClass(Root r) {
    Root p = aliasParent.get(r);
    if (p == null) return r;
    Root top = aliasClass(p);
    if (top != p) aliasParent.put(r, top);
    return top;
  }

  /** The alias classes that hold (as a field of their objects) the objects of {@code r}'s class. */
  Set<Root> containers(Root r) {
    Set<Root> out = new HashSet<>();
    for (Root c : containers.getOrDefault(aliasClass(r), Set.of())) out.add(aliasClass(c));
    return out;
  }

  /** Every alias class held in a field of another, with those that hold it. */
  Map<Root, Set<Root>> containment() {
    Map<Root, Set<Root>> out = new HashMap<>();
    containers.forEach((child, parents) -> {
      for (Root p : parents) out.computeIfAbsent(aliasClass(child), k -> new HashSet<>()).add(aliasClass(p));
    });
    return out;
  }
}
