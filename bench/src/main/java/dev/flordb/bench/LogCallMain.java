package dev.flordb.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs {@link LogCall} with JMH (short warm-up and measurement, one fork) and prints RESULT lines. */
public final class LogCallMain {
  public static void main(String[] args) throws Exception {
    Options opt = new OptionsBuilder()
        .include(LogCall.class.getName() + "\\.")
        .forks(1)
        .warmupIterations(Repos.intProp("warmups", 5))
        .warmupTime(TimeValue.milliseconds(Repos.intProp("warmupMs", 1000)))
        .measurementIterations(Repos.intProp("iterations", 5))
        .measurementTime(TimeValue.milliseconds(Repos.intProp("iterationMs", 1000)))
        .build();
    Collection<RunResult> results = new Runner(opt).run();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      var s = r.getPrimaryResult();
      System.out.printf("RESULT %s %.1f %.1f%n", name, s.getScore(), s.getScoreError());
    }
  }
}
