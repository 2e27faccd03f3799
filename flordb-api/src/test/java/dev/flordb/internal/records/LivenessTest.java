package dev.flordb.internal.records;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crashed-run detection rests on {@link Liveness#alive}: a run is alive only while the process
 * that wrote it is, which means the same process id, started at the same time (within two
 * seconds, as the start time is read back), on this machine.
 */
class LivenessTest {
  long pid;
  long started;
  String host;

  @BeforeEach
  void thisProcess() {
    ProcessHandle me = ProcessHandle.current();
    pid = me.pid();
    started = me.info().startInstant().orElseThrow().toEpochMilli();
    host = Liveness.hostName();
  }

  @Test
  void thisProcessIsAliveOnThisHost() {
    assertThat(host).isNotBlank();
    assertThat(Liveness.alive(pid, started, host)).isTrue();
  }

  @Test
  void aStartTimeWithinTwoSecondsEitherWayIsTheSameProcess() {
    assertThat(Liveness.alive(pid, started + 1999, host)).isTrue();
    assertThat(Liveness.alive(pid, started - 1999, host)).isTrue();
  }

  @Test
  void aStartTimeTwoSecondsOrMoreAwayIsAnotherProcessThatReusedTheId() {
    assertThat(Liveness.alive(pid, started + 2000, host)).isFalse();
    assertThat(Liveness.alive(pid, started - 2000, host)).isFalse();
    assertThat(Liveness.alive(pid, started + 60_000, host)).isFalse();
    assertThat(Liveness.alive(pid, started - 60_000, host)).isFalse();
  }

  @Test
  void aRunOnAnotherHostOrWithoutOneIsNeverJudgedAlive() {
    assertThat(Liveness.alive(pid, started, host + "-elsewhere")).isFalse();
    assertThat(Liveness.alive(pid, started, null)).isFalse();
  }

  @Test
  void aMissingOrImpossibleProcessIdIsNotAlive() {
    assertThat(Liveness.alive(0, started, host)).isFalse();
    assertThat(Liveness.alive(-1, started, host)).isFalse();
  }

  @Test
  void aProcessThatHasEndedIsNotAlive() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long childStart = p.toHandle().info().startInstant().map(i -> i.toEpochMilli()).orElse(started);
    p.waitFor();
    assertThat(Liveness.alive(p.pid(), childStart, host)).isFalse();
  }
}
