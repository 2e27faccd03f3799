package dev.flordb.web;

import dev.flordb.testing.ChildJvm;
import dev.flordb.testing.TempRepo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Projects for the server's tests: real git repositories with runs of the quickstart example, recorded by real programs. */
final class Projects {
  static final String QUICKSTART;
  /** A statement today's code has and the recorded runs lack. */
  static final String HINDSIGHT = "        Flor.log(\"w0\", w[0]);\n";
  static final String ANCHOR = "        Flor.log(\"acc\",";

  static {
    try {
      QUICKSTART = Files.readString(Path.of("..", "examples", "quickstart", "Train.java"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Projects() {}

  /**
   * Two runs of the quickstart (lr 0.05 and 0.2, three epochs), the second from code with one
   * line changed, so that the two snapshots differ.
   */
  static TempRepo twoRuns(Path dir) {
    TempRepo p = TempRepo.init(dir);
    p.write("Train.java", QUICKSTART);
    ChildJvm.source(p.dir, "Train.java", "--kwargs", "lr=0.05", "epochs=3").run().assertSucceeded();
    p.write("Train.java", QUICKSTART.replace("int features = 8;", "int features = 8; // eight features"));
    ChildJvm.source(p.dir, "Train.java", "--kwargs", "lr=0.2", "epochs=3").run().assertSucceeded();
    return p;
  }

  /** Today's code gains a statement that the recorded runs lack. */
  static void addHindsightStatement(TempRepo p) {
    String today = QUICKSTART.replace("int features = 8;", "int features = 8; // eight features");
    p.write("Train.java", today.replace(ANCHOR, HINDSIGHT + ANCHOR));
  }

  static FlorServer serve(TempRepo p) {
    return FlorServer.start(p.dir, "127.0.0.1", 0, System.getProperty("java.class.path"));
  }
}
