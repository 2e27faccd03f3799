package dev.flordb.replay;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Problem;
import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.sun.source.util.JavacTask;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * A syntax error in today's code, said as one: otherwise the analysis, which cannot read the file,
 * would report the statement as missing.
 */
public final class SyntaxCheck {
  private SyntaxCheck() {}

  /**
   * Refuses today's {@code path} when it has a syntax error, naming the file, line and column, in
   * the words of the JDK's compiler where there is one (JavaParser lists every token it expected).
   */
  static void requireParses(String path, String source) {
    ParseResult<CompilationUnit> parsed =
        new JavaParser(new ParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_21)).parse(source);
    if (parsed.isSuccessful()) return;
    String where = null;
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac != null) {
      DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
      JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
          return source;
        }
      };
      try {
        ((JavacTask) javac.getTask(new StringWriter(), null, diagnostics, List.of("-proc:none"), null,
            List.of(file))).parse();
      } catch (IOException e) {
        // JavaParser's words below
      }
      where = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).findFirst()
          .map(d -> "line " + d.getLineNumber() + ", column " + d.getColumnNumber() + ": " + d.getMessage(Locale.ROOT))
          .orElse(null);
    }
    if (where == null) {
      Problem first = parsed.getProblems().get(0);
      Optional<Position> at = first.getLocation().flatMap(l -> l.getBegin().getRange()).map(r -> r.begin);
      where = at.map(p -> "line " + p.line + ", column " + p.column).orElse("an unknown place") + ": "
          + first.getMessage().lines().findFirst().orElse("");
    }
    throw new IllegalArgumentException("today's " + path + " has a syntax error at " + where + "; fix it, then replay");
  }
}
