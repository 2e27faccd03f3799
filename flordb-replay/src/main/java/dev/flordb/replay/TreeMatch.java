package dev.flordb.replay;

import com.github.gumtreediff.gen.jdt.JdtVisitor;
import com.github.gumtreediff.matchers.CompositeMatchers;
import com.github.gumtreediff.matchers.MappingStore;
import com.github.gumtreediff.tree.Tree;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.expr.SimpleName;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jdt.core.JavaCore;
import org.eclipse.jdt.core.ToolFactory;
import org.eclipse.jdt.core.compiler.IProblem;
import org.eclipse.jdt.core.compiler.IScanner;
import org.eclipse.jdt.core.dom.AST;
import org.eclipse.jdt.core.dom.ASTParser;

/**
 * Today's and an old version's syntax trees matched by GumTree, asked about with JavaParser nodes.
 *
 * <p>GumTree matches the trees of Eclipse's JDT parser; JavaParser, which the rest of replay
 * uses, gives the same character ranges for statements, blocks and names, so a JavaParser node is
 * found in GumTree's tree by its range, and a matched GumTree node in the old JavaParser tree the
 * same way. The matcher is GumTree's "simple" one (greedy top-down, then bottom-up by the
 * proportion of matched descendants, without the optional tree-edit-distance recovery).
 */
public final class TreeMatch {
  /**
   * JDT parses at the newest Java level it knows (JDT 3.47: 26), so every syntax a past version of
   * a program may use can be matched. GumTree 3.0.0's own generator (JdtTreeGenerator) cannot be
   * used for that: it asks for JLS 14 and sets the compliance options to 14, before records,
   * sealed classes and patterns; so the tree is built here with GumTree's visitor on a parser
   * configured by us.
   */
  private static final String JAVA_LEVEL = JavaCore.latestSupportedJavaVersion();

  private final SourceText today;
  private final SourceText old;
  private final CompilationUnit oldUnit;
  private final MappingStore mappings;
  /** Today's GumTree nodes by range, outermost first. */
  private final Map<Long, List<Tree>> todayTrees = new HashMap<>();

  private TreeMatch(SourceText today, SourceText old, CompilationUnit oldUnit, Tree todayRoot, Tree oldRoot) {
    this.today = today;
    this.old = old;
    this.oldUnit = oldUnit;
    this.mappings = new CompositeMatchers.SimpleGumtree().match(todayRoot, oldRoot);
    for (Tree t : todayRoot.preOrder()) todayTrees.computeIfAbsent(key(t.getPos(), t.getEndPos()), k -> new ArrayList<>()).add(t);
  }

  /**
   * Matches the two versions.
   *
   * @throws IllegalArgumentException if JDT cannot parse a version that JavaParser could (syntax
   *     newer than {@link #JAVA_LEVEL}, or a construct JDT reports as an error but JavaParser
   *     accepts)
   */
  static TreeMatch of(String fileName, SourceText today, SourceText old, CompilationUnit oldUnit) {
    return new TreeMatch(today, old, oldUnit, tree(fileName + " (today's version)", today), tree(fileName + " (old version)", old));
  }

  /** The old version's statement that GumTree matched with this statement of today's. */
  Optional<Statement> counterpart(Statement statement) {
    return outermost(statement).map(mappings::getDstForSrc).flatMap(t -> oldNode(t, Statement.class));
  }

  /**
   * The old version's block matching this block of today's: the matched block, else the block in
   * the same place (the n-th block child) of what its parent was matched with, such as the body of
   * a matched loop whose statements all changed. The block of a {@code case ... -> { }} arm is in
   * the same place when it follows the match of its {@code case} label: arms are added, removed
   * and reordered independently, so counting blocks would pick another arm's.
   */
  Optional<BlockStmt> counterpart(BlockStmt block) {
    Optional<Tree> tree = outermost(block);
    if (tree.isEmpty()) return Optional.empty();
    Tree dst = mappings.getDstForSrc(tree.get());
    Tree parent = tree.get().getParent();
    if (dst == null && parent != null && isSwitch(parent)) {
      dst = armAfterMatchedCase(parent, tree.get());
    } else if (dst == null && parent != null) {
      Tree oldParent = mappings.getDstForSrc(parent);
      List<Tree> blocks = blockChildren(parent);
      if (oldParent != null && blockChildren(oldParent).size() == blocks.size()) {
        dst = blockChildren(oldParent).get(blocks.indexOf(tree.get()));
      }
    }
    return Optional.ofNullable(dst).flatMap(t -> oldNode(t, BlockStmt.class));
  }

  /**
   * The old block right after the match of the {@code case} label right before {@code block}, in
   * JDT's flat list of a switch's labels and statements; null when there is none.
   */
  private Tree armAfterMatchedCase(Tree switchTree, Tree block) {
    List<Tree> children = switchTree.getChildren();
    int at = children.indexOf(block);
    if (at < 1 || !children.get(at - 1).getType().name.equals("SwitchCase")) return null;
    Tree oldCase = mappings.getDstForSrc(children.get(at - 1));
    if (oldCase == null || oldCase.getParent() == null) return null;
    List<Tree> oldChildren = oldCase.getParent().getChildren();
    int oldAt = oldChildren.indexOf(oldCase) + 1;
    return oldAt < oldChildren.size() && oldChildren.get(oldAt).getType().name.equals("Block") ? oldChildren.get(oldAt) : null;
  }

  private static boolean isSwitch(Tree tree) {
    String type = tree.getType().name;
    return type.equals("SwitchStatement") || type.equals("SwitchExpression");
  }

  /**
   * The name in the old version of what {@code declared} (the name in a declaration of today's:
   * a variable, parameter, field or method) declares: the matched name, else the name of the
   * matched declaration, for GumTree often matches a renamed declaration but not the name itself.
   */
  Optional<SimpleName> counterpartDeclaration(SimpleName declared) {
    Optional<Tree> name = todayTrees.getOrDefault(key(today.begin(declared), today.end(declared)), List.of()).stream()
        .filter(t -> t.getType().name.equals("SimpleName")).findFirst();
    if (name.isEmpty()) return Optional.empty();
    Tree declaration = name.get().getParent();
    Tree dst = mappings.getDstForSrc(name.get());
    if (dst == null || !dst.getParent().hasSameType(declaration)) {
      Tree oldDeclaration = mappings.getDstForSrc(declaration);
      dst = oldDeclaration == null ? null
          : oldDeclaration.getChildren().stream().filter(t -> t.getType().name.equals("SimpleName")).findFirst().orElse(null);
    }
    return Optional.ofNullable(dst).flatMap(t -> oldNode(t, SimpleName.class));
  }

  private Optional<Tree> outermost(Node node) {
    List<Tree> trees = todayTrees.get(key(today.begin(node), today.end(node)));
    return trees == null ? Optional.empty() : Optional.of(trees.get(0));
  }

  private <T extends Node> Optional<T> oldNode(Tree tree, Class<T> type) {
    return oldUnit.findAll(type).stream()
        .filter(n -> old.begin(n) == tree.getPos() && old.end(n) == tree.getEndPos())
        .findFirst();
  }

  private static List<Tree> blockChildren(Tree tree) {
    return tree.getChildren().stream().filter(t -> t.getType().name.equals("Block")).toList();
  }

  private static long key(int begin, int end) {
    return ((long) begin << 32) | end;
  }

  /** GumTree's tree of a file, from JDT's syntax tree as GumTree's own JDT generator builds it, at the newest Java level. */
  private static Tree tree(String file, SourceText source) {
    char[] chars = source.text.toCharArray();
    ASTParser parser = ASTParser.newParser(AST.getJLSLatest());
    parser.setKind(ASTParser.K_COMPILATION_UNIT);
    Map<String, String> options = JavaCore.getOptions();
    JavaCore.setComplianceOptions(JAVA_LEVEL, options);
    parser.setCompilerOptions(options);
    parser.setSource(chars);
    org.eclipse.jdt.core.dom.CompilationUnit unit = (org.eclipse.jdt.core.dom.CompilationUnit) parser.createAST(null);
    for (IProblem problem : unit.getProblems()) {
      if (problem.isError()) {
        throw new IllegalArgumentException(file + ", line " + problem.getSourceLineNumber() + ": " + problem.getMessage()
            + " (the syntax-tree matcher reads Java up to " + JAVA_LEVEL + "; newer syntax cannot be propagated into)");
      }
    }
    IScanner scanner = ToolFactory.createScanner(false, false, false, JAVA_LEVEL);
    scanner.setSource(chars);
    JdtVisitor visitor = new JdtVisitor(scanner);
    unit.accept(visitor);
    return visitor.getTreeContext().getRoot();
  }
}
