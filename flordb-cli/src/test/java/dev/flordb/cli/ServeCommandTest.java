package dev.flordb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.testing.ChildJvm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flordb serve}: it says where it serves, serves there, and refuses what it cannot serve on. */
class ServeCommandTest {
  @Test
  void serveOnPortZeroPrintsTheAddressOfAFreePortAndAnswersThere(@TempDir Path tmp) throws Exception {
    Project project = Project.init(tmp.resolve("proj"));
    project.write("Train.java", Files.readString(Path.of("..", "examples", "quickstart", "Train.java")));
    ChildJvm.source(project.dir, "Train.java", "--kwargs", "epochs=1").run().assertSucceeded();
    try (ChildJvm.Running serve = ChildJvm.mainClass(project.dir, FlorCli.class, "serve", "--port", "0").start()) {
      String line = serve.awaitLine(l -> l.startsWith("FlorDB is serving")).text();
      Matcher m = Pattern.compile("FlorDB is serving proj at (http://127\\.0\\.0\\.1:\\d+/)").matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      HttpResponse<String> runs = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/runs"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(runs.statusCode()).isEqualTo(200);
      assertThat(runs.body()).contains("\"status\":\"finished\"").contains("\"epochs\":1");
    }
  }

  @Test
  void aPortOutOfRangeOrAHostThatIsNotThisMachinesIsBadUsage(@TempDir Path tmp) {
    Project project = Project.init(tmp.resolve("proj"));
    Project.Cli port = Project.flordb("-C", project.dir.toString(), "serve", "--port", "70000");
    assertThat(port.exit()).as(port.toString()).isEqualTo(2);
    assertThat(port.err()).contains("--port must be 0 to 65535, not 70000");
    Project.Cli host = Project.flordb("-C", project.dir.toString(), "serve", "--host", "no-such-host.invalid");
    assertThat(host.exit()).as(host.toString()).isEqualTo(2);
    assertThat(host.err()).contains("--host no-such-host.invalid is not an address of this machine");
  }
}
