package dev.flordb.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "classpath",
    header = "Print the class path a program needs (last line).",
    description = "Prints what a program that calls Flor needs on its class path, as the last line"
        + " of the output: a self-contained jar of the API and the store.",
    footerHeading = "%nExample:%n",
    footer = "  java -cp \"$(flordb classpath)\" Train.java --kwargs lr=0.01")
final class ClasspathCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(FlorCli.programClassPath());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
