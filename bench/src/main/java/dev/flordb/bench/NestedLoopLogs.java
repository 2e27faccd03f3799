package dev.flordb.bench;

import dev.flordb.Flor;

/**
 * The log call as a training program pays for it, from JVM start: {@code epochs x steps} logs of
 * varied doubles ({@code 1 / (e * steps + s + 1)}) inside {@code Flor.loop("epoch")} and
 * {@code Flor.loop("step")}, echo off. Prints the time of the loops with FlorDB and of the same
 * loops without it, in the same JVM order (plain first, so that the JIT has warmed up the
 * arithmetic but not FlorDB's path), and the difference per log: what a program pays per log all
 * told, its JIT warm-up included. The run is started (by a {@code Flor.arg}) before the clock
 * starts: start-up and the end of the run are printed apart. Also printed: the CPU time each kind
 * of thread used during the FlorDB loops, per log ({@link ThreadCpu}): the program's, the record
 * writer's, the JIT compilers' and the garbage collector's, which share the machine's cores.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.flordb.bench.NestedLoopLogs [epochs] [steps]}, in a git
 * repository (bench/run.sh makes one).
 */
public final class NestedLoopLogs {
  private NestedLoopLogs() {}

  public static void main(String[] args) {
    int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    long n = (long) epochs * steps;

    double sink = 0;
    long p0 = System.nanoTime();
    for (int e = 0; e < epochs; e++) {
      for (int s = 0; s < steps; s++) sink += 1.0 / ((long) e * steps + s + 1);
    }
    long plain = System.nanoTime() - p0;

    long s0 = System.nanoTime();
    int seed = Flor.arg("seed", 1); // starts the run
    long start = System.nanoTime() - s0;

    java.util.Map<String, Long> cpu0 = ThreadCpu.now();
    long f0 = System.nanoTime();
    for (int e : Flor.loop("epoch", 0, epochs)) {
      for (int s : Flor.loop("step", 0, steps)) {
        sink += Flor.log("loss", 1.0 / ((long) e * steps + s + 1));
      }
    }
    long flor = System.nanoTime() - f0;
    java.util.Map<String, Long> cpu1 = ThreadCpu.now();

    long c0 = System.nanoTime();
    Flor.commit();
    long commit = System.nanoTime() - c0;
    System.out.printf("RESULT nested_logs %d%n", n);
    System.out.printf("RESULT nested_plain_s %.4f%n", plain / 1e9);
    System.out.printf("RESULT nested_flor_s %.4f%n", flor / 1e9);
    System.out.printf("RESULT nested_ns_per_log %.1f%n", (flor - plain) / (double) n);
    ThreadCpu.print("nested", cpu0, cpu1, n); // who used the cores during the loops, per log
    System.out.printf("RESULT nested_start_s %.3f%n", start / 1e9);
    System.out.printf("RESULT nested_commit_s %.3f%n", commit / 1e9);
    if (sink == 42 + seed) System.out.println(); // keeps the arithmetic
  }
}
