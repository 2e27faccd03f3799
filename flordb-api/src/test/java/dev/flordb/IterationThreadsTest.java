package dev.flordb;

import static dev.flordb.TestProjects.session;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flordb.internal.run.Closing;
import dev.flordb.internal.run.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Flor.iteration} in a server: each request's thread opens an iteration of its own, and
 * what it logs carries that iteration only, never the one another request has open at the time.
 */
class IterationThreadsTest {
  @TempDir Path tmp;

  @Test
  void anIterationOpenedOnANewThreadDoesNotNestInsideAnotherThreadsOpenIteration() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      CountDownLatch opened = new CountDownLatch(1);
      CountDownLatch otherDone = new CountDownLatch(1);
      Thread first = new Thread(() -> {
        try (Closing it = s.iteration("item", 1, null)) {
          opened.countDown();
          await(otherDone);
          s.log("label", 1L);
        }
      });
      first.start();
      await(opened);
      Thread second = new Thread(() -> {
        try (Closing it = s.iteration("item", 2, null)) {
          s.log("label", 2L);
        }
        s.log("after", 2L); // outside its iteration again, and outside the other's
      });
      second.start();
      second.join();
      otherDone.countDown();
      first.join();
    }
    assertThat(positions(repo)).containsExactlyInAnyOrder("label item=1 1", "label item=2 2", "after null 2");
  }

  @Test
  void manyRequestsAtOnceOnAPoolEachLogInTheirOwnIteration() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    int requests = 400;
    List<String> expected = new ArrayList<>();
    try (Session s = session(repo).start()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (long item = 0; item < requests; item++) {
        long i = item;
        expected.add("label item=" + i + " " + i);
        done.add(pool.submit(() -> {
          await(go);
          try (Closing it = s.iteration("item", i, null)) {
            s.log("label", i);
          }
          s.commit();
        }));
      }
      go.countDown();
      for (Future<?> f : done) f.get();
      pool.shutdown();
    }
    assertThat(positions(repo)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void aThreadWithoutAContextOfItsOwnStillOpensItsIterationInsideTheLoopUnderWay() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo).start()) {
      for (int epoch : s.loop("epoch", 0, 2)) {
        Thread worker = new Thread(() -> {
          try (Closing it = s.iteration("shard", 7, null)) {
            s.log("label", (long) epoch);
          }
        });
        worker.start();
        worker.join();
      }
    }
    assertThat(positions(repo)).containsExactlyInAnyOrder("label epoch=0 shard=7 0", "label epoch=1 shard=7 1");
  }

  /** "name position value" of every value logged. */
  private static List<String> positions(Path repo) {
    List<String> out = new ArrayList<>();
    Session.read(repo, store -> store.query("SELECT name, position, value FROM records WHERE kind = 'log'"))
        .forEach(r -> out.add(r.getString("name") + " " + r.get("position") + " " + r.get("value")));
    return out;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
