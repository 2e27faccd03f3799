package dev.flordb.cli;

import dev.flordb.web.FlorServer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code flordb serve}: parses its options and hands over to {@link FlorServer}. */
@Command(name = "serve",
    header = "A web page to browse, plot, compare, tag and replay runs.",
    description = "Serves the project's runs in a browser: the runs table, each run's charts, runs"
        + " compared (arguments, metrics, code difference), tags, notes and hiding, and replays"
        + " started from the page; on a JSON API under /api/ (see the README). With a shared store"
        + " (--store, FLOR_STORE or store.url) it shows every clone's runs. Only this machine can"
        + " reach it unless --host names another address, which then requires the token printed"
        + " with the address. Stops with Ctrl-C.")
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ProjectOptions project;

  @Option(names = "--port", paramLabel = "N", description = "The port (default: 8765; 0 takes a free one).")
  int port = 8765;

  @Option(names = "--host", paramLabel = "ADDR", description = "The address to listen on (default: 127.0.0.1, this"
      + " machine only; any other requires the printed token).")
  String host = "127.0.0.1";

  @Option(names = "--open", description = "Open the page in the desktop's browser.")
  boolean open;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) throw new ParameterException(spec.commandLine(), "--port must be 0 to 65535, not " + port);
    PrintWriter out = spec.commandLine().getOut();
    java.nio.file.Path dir;
    String storeUrl;
    try (ProjectOptions.Project p = project.open()) {
      dir = p.git.workTree();
      storeUrl = p.storeUrl; // the store the other commands read: --store, FLOR_STORE, store.url
    }
    FlorServer server;
    try {
      server = FlorServer.start(dir, host, port, FlorCli.programClassPath(), storeUrl);
    } catch (IllegalArgumentException e) { // an address that is not this machine's
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "flordb-serve-stop"));
    out.println("FlorDB is serving " + server.project() + " at " + server.url());
    out.println("from " + server.served());
    if (server.token() != null) {
      out.println("Every request needs the token in that link (it sets a cookie), or the header"
          + " Authorization: Bearer " + server.token());
    }
    out.flush();
    if (open) browse(server.url(), out);
    stopped.await();
    return 0;
  }

  private static void browse(String url, PrintWriter out) {
    try {
      if (java.awt.Desktop.isDesktopSupported() && java.awt.Desktop.getDesktop().isSupported(java.awt.Desktop.Action.BROWSE)) {
        java.awt.Desktop.getDesktop().browse(java.net.URI.create(url));
        return;
      }
    } catch (Exception | Error e) { // headless, or no browser registered
      // fall through to the message
    }
    out.println("(--open: this machine has no desktop browser to open; open the address above yourself)");
    out.flush();
  }
}
