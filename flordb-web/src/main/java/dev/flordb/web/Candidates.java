package dev.flordb.web;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.expr.MethodCallExpr;
import dev.flordb.source.FlorCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replay page's first question: which log statements of today's code do past runs lack?
 * Today's source of each recorded program is read from the working tree (read only), its named
 * {@code Flor.log} calls found as every analysis finds them ({@link FlorCalls}), and each name
 * counted against the finished runs of that program that have no value of it.
 */
final class Candidates {
  private Candidates() {}

  static List<Map<String, Object>> find(Path workTree, Reads reads) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> p : reads.rows("SELECT filename, count(*) AS runs FROM runs WHERE status = 'finished'"
        + " AND filename IS NOT NULL GROUP BY filename ORDER BY filename")) {
      String program = (String) p.get("filename");
      Path file = workTree.resolve(program).normalize();
      if (!program.endsWith(".java") || !file.startsWith(workTree) || !Files.isRegularFile(file)) continue;
      String source;
      try {
        source = Files.readString(file);
      } catch (IOException e) {
        continue;
      }
      ParseResult<CompilationUnit> parsed = new JavaParser().parse(source);
      if (parsed.getResult().isEmpty()) continue;
      CompilationUnit cu = parsed.getResult().get();
      Map<String, Integer> names = new LinkedHashMap<>();
      for (MethodCallExpr call : cu.findAll(MethodCallExpr.class)) {
        if (FlorCalls.isNamedLog(cu, call)) {
          names.putIfAbsent(FlorCalls.nameOf(call), call.getBegin().map(b -> b.line).orElse(0));
        }
      }
      long runs = (Long) p.get("runs");
      names.forEach((name, line) -> {
        Object having = reads.scalar("SELECT count(DISTINCT l.rid) FROM logs l JOIN runs r ON r.rid = l.rid"
            + " WHERE l.name = ? AND l.kind = 'log' AND r.filename = ? AND r.status = 'finished'", name, program);
        long lacking = runs - (having == null ? 0 : (Long) having);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("file", program);
        c.put("line", line);
        c.put("runs", runs);
        c.put("lacking", lacking);
        out.add(c);
      });
    }
    return out;
  }
}
