package dev.flordb.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "classpath", description = {
    "Print what a program needs on its class path (as the last line), for example:",
    "  java -cp \"$(./flordb classpath)\" Train.java --kwargs lr=0.01"})
final class ClasspathCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path self = Path.of(FlorCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String cp = self.toString().endsWith(".jar") ? self.toString() : System.getProperty("java.class.path");
    spec.commandLine().getOut().println(cp);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
