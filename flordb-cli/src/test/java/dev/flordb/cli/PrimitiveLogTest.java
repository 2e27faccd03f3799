package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.testing.ChildJvm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Flor.log} of a primitive value takes an overload of its own, which boxes nothing; what it
 * records and returns is what logging the boxed value records and returns.
 */
class PrimitiveLogTest {
  static final String PROGRAM = """
      import dev.flordb.Flor;

      public class Prims {
        public static void main(String[] args) {
          double d = Flor.log("p_double", 0.1);
          float f = Flor.log("p_float", 0.1f);
          long l = Flor.log("p_long", 1L << 40);
          int i = Flor.log("p_int", -7);
          short s = Flor.log("p_short", (short) 300);
          byte b = Flor.log("p_byte", (byte) -2);
          char c = Flor.log("p_char", 'x');
          boolean z = Flor.log("p_boolean", true);
          Flor.log("b_double", Double.valueOf(0.1));
          Flor.log("b_float", Float.valueOf(0.1f));
          Flor.log("b_long", Long.valueOf(1L << 40));
          Flor.log("b_int", Integer.valueOf(-7));
          Flor.log("b_short", Short.valueOf((short) 300));
          Flor.log("b_byte", Byte.valueOf((byte) -2));
          Flor.log("b_char", Character.valueOf('x'));
          Flor.log("b_boolean", Boolean.TRUE);
          Flor.log("p_nan", Double.NaN);
          Flor.log("b_nan", Double.valueOf(Double.NaN));
          for (int epoch : Flor.loop("epoch", 0, 2)) {
            Flor.log("p_step_loss", 1.0 / (epoch + 3));
            Flor.log("b_step_loss", Double.valueOf(1.0 / (epoch + 3)));
          }
          System.out.println(d + " " + f + " " + l + " " + i + " " + s + " " + b + " " + c + " " + z);
        }
      }
      """;

  @Test
  void aPrimitiveIsRecordedAndReturnedAsItsBoxedValueIs(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Prims.java", PROGRAM);
    ChildJvm.Finished run = ChildJvm.source(project.dir, "Prims.java").run();
    assertThat(run.assertSucceeded().out()).endsWith("0.1 0.1 1099511627776 -7 300 -2 x true\n");

    Project.Cli primitive = Project.flordb("-C", project.dir.toString(), "query",
        "SELECT substr(name, 3) AS n, position, type, value, typeof(value) FROM records"
            + " WHERE kind = 'log' AND name LIKE 'p\\_%' ESCAPE '\\' ORDER BY n, position");
    Project.Cli boxed = Project.flordb("-C", project.dir.toString(), "query",
        "SELECT substr(name, 3) AS n, position, type, value, typeof(value) FROM records"
            + " WHERE kind = 'log' AND name LIKE 'b\\_%' ESCAPE '\\' ORDER BY n, position");
    assertThat(primitive.exit()).as(primitive.toString()).isZero();
    assertThat(primitive.out()).isEqualTo(boxed.out());
    assertThat(primitive.out()).isEqualTo("""
        n          position  type   value               typeof(value)
        boolean              bool   1                   integer
        byte                 int    -2                  integer
        char                 str    x                   text
        double               float  0.1                 real
        float                float  0.1                 real
        int                  int    -7                  integer
        long                 int    1099511627776       integer
        nan                  float  NaN                 text
        short                int    300                 integer
        step_loss  epoch=0   float  0.3333333333333333  real
        step_loss  epoch=1   float  0.25                real
        """);
  }
}
