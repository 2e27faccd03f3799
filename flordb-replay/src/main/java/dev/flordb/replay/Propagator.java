package dev.flordb.replay;

import dev.flordb.source.FlorCalls;
import dev.flordb.source.LoopLevels;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.Problem;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.expr.MethodCallExpr;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;

/**
 * Carries log statements that were added to today's version of a Java file back into an old
 * version of it, so that the old version can be re-executed in replay and log what today's code
 * logs (hindsight logging).
 *
 * <pre>{@code
 * Propagator.Result r = Propagator.propagate("Train.java", todaySource, oldSource, List.of("grad_norm"));
 * if (!r.allPlaced()) ...               // r.outcomes() say which statement could not go where, and why
 * Files.writeString(oldCopy, r.patchedSource());
 * }</pre>
 *
 * <h2>What is carried</h2>
 *
 * <p>The selectors name today's log statements as {@link LoopLevels} does: by logged name
 * ({@code "grad_norm"}, every statement logging it) or by line ({@code "@42"}), and a log
 * statement is recognised by the same rules ({@code Flor.log("name", value)}, {@code
 * dev.flordb.Flor.log(...)}, or a statically imported {@code log(...)}). Each selected statement is
 * carried whole, as it is written today, when it is a statement of its own ({@code
 * Flor.log("loss", loss);}), together with the {@code if} that guards only it, if any ({@code if
 * (step % 10 == 0) Flor.log("loss", loss);}); it must be directly inside a block of statements. A
 * log call inside a larger statement ({@code double l = Flor.log(...)}) is not carried.
 *
 * <p>A statement is {@link Kind#ALREADY_PRESENT already present} when the old version logs the same
 * name <em>anywhere</em> in the file: a run of that version already recorded the name, and a
 * second statement would record it twice per iteration.
 *
 * <h2>Where it goes</h2>
 *
 * <p>Today's and the old version's syntax trees are matched with GumTree (through Eclipse JDT's
 * parser, at the newest Java level that JDT reads). Then, for each statement in today's order:
 *
 * <ol>
 *   <li>Every loop around it (in its method) must have a match in the old version; otherwise the
 *       statement would run a different number of times, and it is not placed. A Flor loop's
 *       match is the old version's Flor loop of the same name; other loops are GumTree's.
 *   <li>It goes next to the nearest statement of its block that has a match, looking at
 *       increasing distance, the statement before it first: after the match of a statement that
 *       precedes it, before the match of one that follows it (and before the comment lines
 *       directly above that one). A neighbouring log statement's match is the old log statement
 *       of the same name, whatever it logs there; other statements' are GumTree's. The match may sit in another method, as when the training step
 *       was extracted into a method between the versions; in the same method, it must be inside
 *       the matches of the loops around the statement (a neighbour that moved out of the loop is
 *       passed over). A place where a name the statement uses is not in scope (below) is passed
 *       over too, so a neighbour GumTree matched with a look-alike elsewhere does not mislead it.
 *       Two statements selected together that are adjacent today stay adjacent and in order.
 *   <li>When no statement of its block has a match, it goes at the start of the block matching its
 *       block (at its end, if it is its block's last statement); when that block has no match
 *       either, it is not placed. The block of a {@code case ... -> { }} arm matches the block
 *       of the arm whose {@code case} label GumTree matched with its label.
 *   <li>Code after {@code return}, {@code throw}, {@code break}, {@code continue} or {@code yield}
 *       would not compile, so such a statement is passed on the side before it.
 * </ol>
 *
 * <h2>Names it uses</h2>
 *
 * <p>The variables, parameters, fields and methods of the file that the statement uses (declared
 * outside it), and the methods and fields of the file's classes that it reaches through a variable
 * ({@code model.weightNorm()}), are renamed to what GumTree matched their declarations with in the
 * old version, when that is in scope at the insertion point: {@code norm(grad)} becomes {@code
 * norm(g)} when the old version called the gradient {@code g}. Failing that, the name is kept if
 * something of that name is in scope there; otherwise the statement is not placed (it would not
 * compile), for instance when it calls a helper method that the old version does not have. Names
 * declared elsewhere (classes, imports, inherited members) are left as written. Scopes are
 * Java's, as far as one file shows them (see {@code Scopes}).
 *
 * <h2>Formatting</h2>
 *
 * <p>The old text is changed only by inserting: every other character, comments, blank lines,
 * tabs and odd brace styles included, stays as it was. An inserted statement gets a line of its
 * own, indented like its neighbour (continuation lines keep their indentation relative to its
 * first line), and the old file's line separator; when code shares the neighbour's line, it is
 * put on that line instead, separated by a space.
 *
 * <h2>Limits</h2>
 *
 * <ul>
 *   <li>Placement is as good as GumTree's matching: a heavily rewritten neighbourhood may be
 *       matched with the wrong place, and the explanation of each outcome says which statement it
 *       was placed by, to check.
 *   <li>A place in another method than the old loop's is accepted without following the calls to
 *       it (as {@link LoopLevels} does), so a look-alike in an unrelated method can mislead it.
 *   <li>Comments written next to a statement today are not carried; only the statement is.
 *   <li>Both versions are read as Java 21 (records, sealed classes, patterns in {@code switch} and
 *       record patterns included): syntax newer than that is reported as an error by JavaParser,
 *       which finds the statements, names and loops; JDT, which GumTree matches, reads the newest
 *       level it knows (at least 21).
 * </ul>
 *
 * <p>Thread-safe: no state is kept between calls.
 */
public final class Propagator {

  /** What happened to one selected statement. */
  public enum Kind {
    /** Inserted into the old version. */
    INSERTED,
    /** The old version already logs the name; nothing inserted. */
    ALREADY_PRESENT,
    /** Not inserted; the explanation says why. */
    NOT_PLACED
  }

  /**
   * The outcome for one selected statement.
   *
   * @param name the logged name
   * @param todayLine the 1-based line of the log call in today's version
   * @param kind what happened
   * @param oldLine the 1-based line of the inserted or already present log call in the patched old
   *     version (as {@code todayLine}, the call's line, below an {@code if} carried with it); -1
   *     when not placed
   * @param explanation a sentence: where it was inserted and next to what (and which names were
   *     renamed), where the name is already logged, or why it could not be placed
   */
  public record Outcome(String name, int todayLine, Kind kind, int oldLine, String explanation) {}

  /**
   * The patched old version and what happened to each selected statement.
   *
   * @param patchedSource the old version with the inserted statements
   * @param outcomes one per selected statement, in today's order
   * @param fileName the file's name, for messages and the diff
   * @param oldSource the old version as given
   */
  public record Result(String patchedSource, List<Outcome> outcomes, String fileName, String oldSource) {
    public Result {
      outcomes = List.copyOf(outcomes);
    }

    /** Whether the patched source differs from the old one. */
    public boolean changed() {
      return !patchedSource.equals(oldSource);
    }

    /** Whether no outcome is {@link Kind#NOT_PLACED}. */
    public boolean allPlaced() {
      return outcomes.stream().noneMatch(o -> o.kind() == Kind.NOT_PLACED);
    }

    /** A unified diff from the old version to the patched one (empty when unchanged). */
    public String diff() {
      if (!changed()) return "";
      RawText a = new RawText(oldSource.getBytes(StandardCharsets.UTF_8));
      RawText b = new RawText(patchedSource.getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (DiffFormatter formatter = new DiffFormatter(out)) {
        formatter.format(DiffAlgorithm.getAlgorithm(DiffAlgorithm.SupportedAlgorithm.HISTOGRAM)
            .diff(RawTextComparator.DEFAULT, a, b), a, b);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // writing to memory
      }
      return "--- " + fileName + " (old version)\n+++ " + fileName + " (patched)\n" + out.toString(StandardCharsets.UTF_8);
    }
  }

  private Propagator() {}

  /**
   * Inserts into {@code oldSource} each selected log statement of {@code todaySource} that it
   * lacks.
   *
   * @param fileName the file's name, for messages
   * @param todaySource today's version, which holds the selected statements
   * @param oldSource the old version to patch
   * @param selectors logged names ({@code "loss"}) or 1-based lines of today's version ({@code "@42"})
   * @throws IllegalArgumentException if either version does not parse (the message names the file
   *     and the line), if a selector matches no log statement of today's version (the message names
   *     it and lists what is logged), or if the selectors are empty
   */
  public static Result propagate(String fileName, String todaySource, String oldSource, List<String> selectors) {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(todaySource, "todaySource");
    Objects.requireNonNull(oldSource, "oldSource");
    Objects.requireNonNull(selectors, "selectors");
    SourceText today = new SourceText(todaySource);
    SourceText old = new SourceText(oldSource);
    CompilationUnit todayUnit = parse(fileName + " (today's version)", todaySource);
    CompilationUnit oldUnit = parse(fileName + " (old version)", oldSource);
    return new Propagation(fileName, today, todayUnit, old, oldUnit).run(selected(fileName, todaySource, todayUnit, selectors));
  }

  /** Today's log calls that the selectors name, in source order; LoopLevels checks the selectors. */
  private static List<MethodCallExpr> selected(String fileName, String source, CompilationUnit unit, List<String> selectors) {
    List<LoopLevels.LogStatement> statements = LoopLevels.analyze(fileName, source, selectors).statements();
    return unit.findAll(MethodCallExpr.class).stream()
        .filter(c -> FlorCalls.isNamedLog(unit, c))
        .filter(c -> statements.stream().anyMatch(s -> s.name().equals(FlorCalls.nameOf(c)) && s.line() == c.getBegin().orElseThrow().line))
        .sorted(Comparator.comparing((MethodCallExpr c) -> c.getBegin().orElseThrow()))
        .toList();
  }

  private static CompilationUnit parse(String file, String source) {
    ParseResult<CompilationUnit> parsed =
        new JavaParser(new ParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_21)).parse(source);
    if (parsed.isSuccessful() && parsed.getResult().isPresent()) return parsed.getResult().get();
    Problem first = parsed.getProblems().get(0);
    Optional<Position> at = first.getLocation().flatMap(l -> l.getBegin().getRange()).map(r -> r.begin);
    throw new IllegalArgumentException(file + " does not parse as Java"
        + at.map(p -> ", line " + p.line + ", column " + p.column).orElse("") + ": " + first.getMessage());
  }
}
