package dev.flordb.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "classpath", description = {
    "Print the class path a program needs (last line).",
    "Print what a program needs on its class path (as the last line), for example:",
    "  java -cp \"$(./flordb classpath)\" Train.java --kwargs lr=0.01"})
final class ClasspathCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    spec.commandLine().getOut().println(FlorCli.programClassPath());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
