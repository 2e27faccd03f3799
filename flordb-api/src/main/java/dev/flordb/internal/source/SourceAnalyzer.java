package dev.flordb.internal.source;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * What replay needs to know about a program's source: where its log statements execute relative
 * to the {@code Flor.loop}s, and what state the statements to fill in read. The API owns this
 * interface; the implementation (JavaParser-based) lives in another module and is found with
 * {@link ServiceLoader}, so that the API artifact itself needs no parser and names no class of
 * another module.
 *
 * <p>The analysis is conservative: where it cannot tell, it asks for more to be executed, never
 * less. A replay then checks itself against the recorded run, so an analysis that is too
 * optimistic shows up as a divergence, never as a wrong stored value.
 */
public interface SourceAnalyzer {

  /**
   * Analyses one source file.
   *
   * @param fileName the file's name, for messages
   * @param source the file's text
   * @param applied the names whose statements a replay fills in (empty: only {@link Analysis#sites()})
   * @throws IllegalArgumentException if the source does not parse (the message gives file, line and
   *     column), or a name in {@code applied} is logged by no statement with a literal name
   */
  Analysis analyze(String fileName, String source, Set<String> applied);

  /**
   * The statements of every name the file logs with a literal name, and the sites: what a replay
   * checks itself against. The default reads the file twice; an implementation may read it once.
   */
  default Analysis analyzeAll(String fileName, String source, Set<String> applied) {
    Analysis sites = analyze(fileName, source, Set.of());
    Set<String> all = new java.util.HashSet<>(sites.sites().keySet());
    all.addAll(applied);
    return all.isEmpty() ? sites : analyze(fileName, source, all);
  }

  /** The first implementation on the class path, or null when there is none (or it cannot be loaded). */
  static SourceAnalyzer find() {
    try {
      for (SourceAnalyzer a : ServiceLoader.load(SourceAnalyzer.class, SourceAnalyzer.class.getClassLoader())) return a;
    } catch (java.util.ServiceConfigurationError | LinkageError e) {
      // named in the class path, but it cannot be loaded (its parser is missing?): as if there were none
      System.err.println("flordb: the source analysis on the class path cannot be loaded: " + e);
      return null;
    }
    return null;
  }

  /** Where a statement executes, counting the Flor loops around it at run time. */
  enum Placement {
    /** In no Flor loop (before or after the loops). */
    OUTSIDE,
    /** In the body of an outermost Flor loop, not in a loop nested in it. */
    OUTER,
    /** In a Flor loop nested in another. */
    NESTED,
    /** Cannot be told from the source; the reason says why. Replay treats it as {@link #NESTED}. */
    UNKNOWN
  }

  /**
   * One statement to fill in.
   *
   * @param name the logged name
   * @param line the 1-based line of the {@code Flor.log} call
   * @param loops the Flor loops around it where it executes, outermost first
   * @param placement where it executes
   * @param runNestedLoops true when it (or the outer loop's own control: its {@code break},
   *     {@code return} or condition) reads state that a nested loop writes and no checkpoint
   *     restores, so the nested loops must run for each outer iteration that is executed
   * @param fromFirstIteration true when it (or the outer loop's control) reads state carried from
   *     one outer iteration to the next that no checkpoint restores, so the outer iterations must
   *     run in order from the first
   * @param reasons why each of the two flags is set, in words a user acts on ("sum_loss reads total,
   *     which the step loop writes"); for {@link Placement#UNKNOWN}, why the place is unknown
   */
  record Statement(String name, int line, List<String> loops, Placement placement, boolean runNestedLoops,
      boolean fromFirstIteration, List<String> reasons) {
    public Statement {
      loops = List.copyOf(loops);
      reasons = List.copyOf(reasons);
    }
  }

  /**
   * The analysis of one file.
   *
   * @param statements the statements of the applied names, in source order (several per name when
   *     a name is logged at several places)
   * @param sites for every name the file logs with a literal name, the loop paths (loop names,
   *     outermost first) of the places where it executes, one entry per distinct path; a name with
   *     a place that cannot be told has no entry
   * @param outermostLoops the names of the Flor loops that run in no other Flor loop
   */
  record Analysis(List<Statement> statements, Map<String, Set<List<String>>> sites, List<String> outermostLoops) {
    public Analysis {
      statements = List.copyOf(statements);
      sites = Map.copyOf(sites);
      outermostLoops = List.copyOf(outermostLoops);
    }
  }
}
