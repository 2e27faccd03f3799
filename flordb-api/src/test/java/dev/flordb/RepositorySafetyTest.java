package dev.flordb;

import static dev.flordb.TestProjects.session;
import static dev.flordb.TestProjects.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.flordb.internal.run.Session;
import dev.flordb.internal.git.Snapshots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run leaves the user's repository as it was and keeps its code version on a ref of its own. */
class RepositorySafetyTest {
  @TempDir Path tmp;

  /**
   * A repository with a commit, a staged change, an untracked file, and ignored files:
   * {@code Train.java} and {@code .gitignore} committed, {@code README.md} committed then changed
   * and staged, {@code notes.txt} untracked, {@code app.log} and {@code build/out.bin} ignored.
   */
  private Path busyRepo() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    write(repo, ".gitignore", "*.log\nbuild/\n");
    write(repo, "README.md", "# proj\n");
    try (Git git = Git.open(repo.toFile())) {
      git.add().addFilepattern(".").call();
      TestProjects.commit(git, "first");
      write(repo, "README.md", "# proj\n\nstaged change\n");
      git.add().addFilepattern("README.md").call();
    }
    write(repo, "notes.txt", "untracked notes\n");
    write(repo, "app.log", "ignored log\n");
    write(repo, "build/out.bin", "ignored build output\n");
    return repo;
  }

  /** What a run must not change. */
  private record RepoState(String headFile, String branch, ObjectId head, Map<String, Set<String>> status, byte[] index) {}

  private static RepoState state(Path repo) throws Exception {
    try (Git git = Git.open(repo.toFile())) {
      Status st = git.status().call(); // before reading the index bytes, in case status refreshes it
      Map<String, Set<String>> status = new TreeMap<>();
      status.put("added", st.getAdded());
      status.put("changed", st.getChanged());
      status.put("modified", st.getModified());
      status.put("removed", st.getRemoved());
      status.put("missing", st.getMissing());
      status.put("untracked", st.getUntracked());
      status.put("conflicting", st.getConflicting());
      Repository r = git.getRepository();
      Path gitDir = r.getDirectory().toPath();
      byte[] index = Files.exists(gitDir.resolve("index")) ? Files.readAllBytes(gitDir.resolve("index")) : null;
      return new RepoState(Files.readString(gitDir.resolve("HEAD")), r.getBranch(), r.resolve(Constants.HEAD),
          status, index);
    }
  }

  private static void assertSameState(RepoState after, RepoState before) {
    assertThat(after.headFile()).isEqualTo(before.headFile());
    assertThat(after.branch()).isEqualTo(before.branch());
    assertThat(after.head()).isEqualTo(before.head());
    assertThat(after.status()).isEqualTo(before.status());
    assertThat(after.index()).isEqualTo(before.index());
  }

  /** Path to file content of every file in the commit's tree. */
  private static Map<String, String> tree(Path repo, ObjectId commit) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Repository r = new FileRepositoryBuilder().setWorkTree(repo.toFile()).setMustExist(true).build();
        RevWalk rw = new RevWalk(r);
        TreeWalk tw = new TreeWalk(r)) {
      tw.addTree(rw.parseCommit(commit).getTree());
      tw.setRecursive(true);
      while (tw.next()) {
        files.put(tw.getPathString(), new String(r.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8));
      }
    }
    return files;
  }

  private static RevCommit commit(Path repo, ObjectId id) throws IOException {
    try (Repository r = new FileRepositoryBuilder().setWorkTree(repo.toFile()).setMustExist(true).build();
        RevWalk rw = new RevWalk(r)) {
      RevCommit c = rw.parseCommit(id);
      rw.parseBody(c);
      return c;
    }
  }

  private static ObjectId runRef(Path repo, String runId) throws IOException {
    try (Repository r = new FileRepositoryBuilder().setWorkTree(repo.toFile()).setMustExist(true).build()) {
      Ref ref = r.exactRef(Snapshots.REF_PREFIX + runId);
      return ref == null ? null : ref.getObjectId();
    }
  }

  @Test
  void aRunLeavesHeadBranchIndexAndStatusExactlyAsTheyWere() throws Exception {
    Path repo = busyRepo();
    RepoState before = state(repo);
    assertThat(before.status().get("changed")).containsExactly("README.md");
    assertThat(before.status().get("untracked")).containsExactly("notes.txt");

    TestProjects.train(repo, 0.1, 2, 2);

    assertSameState(state(repo), before);
  }

  @Test
  void aRunInARepositoryWithoutCommitsLeavesItWithoutCommits() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    RepoState before = state(repo);
    assertThat(before.head()).isNull();

    TestProjects.Run run = TestProjects.train(repo, 0.1, 1, 1);

    assertSameState(state(repo), before);
    ObjectId snapshot = runRef(repo, run.runId());
    assertThat(snapshot).isEqualTo(run.commit());
    assertThat(commit(repo, snapshot).getParentCount()).isZero();
    assertThat(tree(repo, snapshot)).containsEntry("Train.java", TestProjects.SOURCE);
  }

  @Test
  void theStoreIsIgnoredThroughInfoExcludeOnce() throws Exception {
    Path repo = busyRepo();
    TestProjects.train(repo, 0.1, 1, 1);
    TestProjects.train(repo, 0.2, 1, 1);
    Path exclude = repo.resolve(".git/info/exclude");
    assertThat(Files.readAllLines(exclude)).containsOnlyOnce("/.flor/");
    assertThat(Files.readString(repo.resolve(".gitignore"))).isEqualTo("*.log\nbuild/\n");
  }

  @Test
  void anExistingInfoExcludeKeepsItsLines() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    Path exclude = repo.resolve(".git/info/exclude");
    Files.createDirectories(exclude.getParent());
    Files.writeString(exclude, "*.tmp"); // no final newline
    TestProjects.train(repo, 0.1, 1, 1);
    assertThat(Files.readAllLines(exclude)).startsWith("*.tmp").contains("/.flor/");
  }

  @Test
  void eachRunHasItsOwnRefWhoseCommitHasTheUsersHeadAsParent() throws Exception {
    Path repo = busyRepo();
    ObjectId head = state(repo).head();
    TestProjects.Run a = TestProjects.train(repo, 0.1, 1, 1);
    TestProjects.Run b = TestProjects.train(repo, 0.2, 1, 1);
    assertThat(a.runId()).isNotEqualTo(b.runId());
    for (TestProjects.Run run : new TestProjects.Run[] {a, b}) {
      ObjectId ref = runRef(repo, run.runId());
      assertThat(ref).isNotNull().isEqualTo(run.commit());
      RevCommit c = commit(repo, ref);
      assertThat(c.getParentCount()).isEqualTo(1);
      assertThat(c.getParent(0).getId()).isEqualTo(head);
    }
  }

  @Test
  void theSnapshotHoldsTheWorkingTreeAsItWasWhenTheRunStarted() throws Exception {
    Path repo = busyRepo();
    Session s = session(repo, "--kwargs", "lr=0.1").start();
    try (s) {
      s.arg("lr", 0.01);
      // the program's author edits files while the run goes on
      write(repo, "Train.java", "public class Train {\n  // version 2\n}\n");
      write(repo, "later.txt", "created after the start\n");
      s.log("loss", 0.5);
    }
    Map<String, String> files = tree(repo, runRef(repo, s.runId()));
    assertThat(files).containsEntry("Train.java", TestProjects.SOURCE);
    assertThat(files).doesNotContainKey("later.txt");
  }

  @Test
  void theSnapshotHoldsTrackedStagedAndUntrackedFilesButNotIgnoredOnes() throws Exception {
    Path repo = busyRepo();
    TestProjects.Run run = TestProjects.train(repo, 0.1, 1, 1);
    Map<String, String> files = tree(repo, runRef(repo, run.runId()));
    String records = ".flor/records/" + run.runId() + ".jsonl";
    assertThat(files.keySet())
        .containsExactlyInAnyOrder(".gitignore", "README.md", "Train.java", "notes.txt", records);
    assertThat(files).containsEntry("README.md", "# proj\n\nstaged change\n");
    assertThat(files).containsEntry("notes.txt", "untracked notes\n");
    assertThat(files.get(records)).isEqualTo(Files.readString(run.recordFile()));
  }

  @Test
  void theSnapshotHoldsAnUnstagedEditAsItIsInTheWorkingTree() throws Exception {
    Path repo = busyRepo();
    write(repo, "Train.java", "public class Train {\n  // edited, not staged\n}\n");
    TestProjects.Run run = TestProjects.train(repo, 0.1, 1, 1);
    assertThat(tree(repo, runRef(repo, run.runId())))
        .containsEntry("Train.java", "public class Train {\n  // edited, not staged\n}\n");
  }

  @Test
  void theSnapshotCommitMessageHoldsTheRunsArguments() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    TestProjects.Run run;
    try (Session s = session(repo, "--kwargs", "lr=0.1", "epochs=3").start()) {
      s.arg("lr", 0.01);
      s.arg("epochs", 5);
      s.arg("opt", "sgd");
      run = new TestProjects.Run(s.runId(), null, s.recordFile(), null);
    }
    String msg = commit(repo, runRef(repo, run.runId())).getFullMessage();
    assertThat(msg).contains("args: lr=0.1 epochs=3 opt=sgd");
    assertThat(msg).contains("Flor-Args: {\"lr\":0.1,\"epochs\":3,\"opt\":\"sgd\"}");
    assertThat(msg).contains("Flor-Run: " + run.runId());
    assertThat(msg).contains("program: Train.java");
  }

  @Test
  void commitDuringTheRunPointsTheRefAtTheRecordsSoFar() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    Session s = session(repo).start();
    ObjectId mid;
    try (s) {
      s.log("first", 1);
      s.commit();
      mid = s.snapshotCommit();
      assertThat(runRef(repo, s.runId())).isEqualTo(mid);
      s.log("second", 2);
    }
    String recordsPath = ".flor/records/" + s.runId() + ".jsonl";
    String atCommit = tree(repo, mid).get(recordsPath);
    assertThat(atCommit).contains("\"name\":\"first\"").doesNotContain("\"name\":\"second\"");
    ObjectId last = runRef(repo, s.runId());
    assertThat(last).isNotEqualTo(mid);
    assertThat(tree(repo, last).get(recordsPath)).contains("\"name\":\"second\"");
    assertThat(commit(repo, last).getParentCount()).isZero(); // one commit per run, not a chain
  }

  @Test
  void aDirectoryOutsideAnyRepositoryIsRefusedWithHowToFixIt() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("not-a-repo"));
    assumeThat(new FileRepositoryBuilder().readEnvironment().findGitDir(dir.toFile()).getGitDir())
        .as("the temporary directory must not be inside a git repository")
        .isNull();
    assertThatThrownBy(() -> Session.builder(dir).program("Train.java").quiet(true).start())
        .isInstanceOf(FlorException.class)
        .hasMessageContaining("not inside a git repository")
        .hasMessageContaining("git init");
    assertThat(dir.resolve(".flor")).doesNotExist();
  }

  @Test
  void aRunFromASubdirectoryUsesTheRepositoryRoot() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    Path sub = Files.createDirectories(repo.resolve("src/train"));
    try (Session s = session(sub).start()) {
      s.log("x", 1);
    }
    assertThat(repo.resolve(".flor/records")).isDirectory();
    assertThat(sub.resolve(".flor")).doesNotExist();
    assertThat(TestProjects.dataframe(repo).column("projid")).containsExactly("proj");
  }

  @Test
  void aProgramInABareRepositoryIsRefusedSayingItIsBareAndHowToFixIt() throws Exception {
    Path bare = tmp.resolve("proj.git");
    Git.init().setBare(true).setDirectory(bare.toFile()).call().close();
    assertThatThrownBy(() -> Session.builder(bare).program("Train.java").quiet(true).start())
        .isInstanceOf(FlorException.class)
        .hasMessage(bare + " is in the bare git repository " + bare + ", which has no working tree: FlorDB snapshots"
            + " the working tree a program runs in. Clone it (git clone " + bare + " DIR) and run the program in the clone.");
    assertThat(bare.resolve(".flor")).doesNotExist();
  }

  @Test
  void aRunFromInsideTheGitDirectoryOfAWorkTreeIsARunOfThatWorkTree() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    try (Session s = session(repo.resolve(".git/objects")).start()) {
      s.log("x", 1);
    }
    assertThat(TestProjects.dataframe(repo).column("x")).containsExactly(1L);
  }

  @Test
  void untrackedFilesThatLookLikeSecretsAreLeftOutOfTheSnapshotAndTheRunSaysSoOnce() throws Exception {
    Path repo = busyRepo();
    write(repo, ".env", "API_KEY=secret\n");
    write(repo, "deploy/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    write(repo, "certs/server.pem", "-----BEGIN PRIVATE KEY-----\n");
    write(repo, "config/credentials.json", "{\"token\": \"t\"}\n");
    TestProjects.Output out = new TestProjects.Output();
    String runId;
    try (Session s = session(repo, out).start()) {
      runId = s.runId();
      s.log("x", 1);
      s.commit();
    }
    assertThat(tree(repo, runRef(repo, runId)).keySet())
        .containsExactlyInAnyOrder(".gitignore", "README.md", "Train.java", "notes.txt", ".flor/records/" + runId + ".jsonl");
    assertThat(out.err()).isEqualTo("flordb: left out of this run's code snapshot, as they look like secrets (untracked"
        + " files named as in snapshot.exclude of flordb.properties and its defaults): [.env, certs/server.pem,"
        + " config/credentials.json, deploy/id_rsa]\n");
  }

  @Test
  void aTrackedFileThatLooksLikeASecretStaysInTheSnapshotAsTheUsersHistoryHasItAlready() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    write(repo, ".env", "MODE=dev\n");
    try (Git git = Git.open(repo.toFile())) {
      git.add().addFilepattern(".").call();
      TestProjects.commit(git, "with .env");
    }
    TestProjects.Output out = new TestProjects.Output();
    String runId;
    try (Session s = session(repo, out).start()) {
      runId = s.runId();
    }
    assertThat(tree(repo, runRef(repo, runId))).containsEntry(".env", "MODE=dev\n");
    assertThat(out.err()).isEmpty();
  }

  @Test
  void snapshotExcludeInFlordbPropertiesAddsGlobsAndTheDefaultsCanBeTurnedOff() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    write(repo, "flordb.properties", "snapshot.exclude = *.csv, data/**\nsnapshot.exclude.defaults = false\n");
    write(repo, ".env", "MODE=dev\n");
    write(repo, "train.csv", "a,b\n");
    write(repo, "data/raw/x.bin", "bytes\n");
    write(repo, "src/data/y.txt", "kept: data/** is a path from the root\n");
    String runId;
    try (Session s = session(repo).start()) {
      runId = s.runId();
    }
    assertThat(tree(repo, runRef(repo, runId)).keySet()).containsExactlyInAnyOrder(
        "Train.java", "flordb.properties", ".env", "src/data/y.txt", ".flor/records/" + runId + ".jsonl");
  }

  @Test
  void aLargeFileGitDoesNotHoldIsLeftOutWithAWarningButATrackedOneStays() throws Exception {
    Path repo = TestProjects.emptyRepo(tmp);
    write(repo, "flordb.properties", "snapshot.max_file_mb = 0.001\n"); // about 1 KiB
    write(repo, "tracked.bin", "t".repeat(4096));
    try (Git git = Git.open(repo.toFile())) {
      git.add().addFilepattern(".").call();
      TestProjects.commit(git, "a large file, committed");
    }
    write(repo, "untracked.bin", "u".repeat(4096));
    TestProjects.Output out = new TestProjects.Output();
    String runId;
    try (Session s = session(repo, out).start()) {
      runId = s.runId();
    }
    assertThat(tree(repo, runRef(repo, runId)).keySet())
        .contains("tracked.bin").doesNotContain("untracked.bin");
    assertThat(out.err()).isEqualTo("flordb: left out of this run's code snapshot (larger than 1.0 KiB; add"
        + " them to .gitignore, or raise snapshot.max_file_mb in flordb.properties): [untracked.bin]\n");
  }

  @Test
  void runsOfTheSameCodeHaveOneCodeVersionWhichIsTheTreeOfTheUsersCommit() throws Exception {
    Path repo = TestProjects.repoWithCommit(tmp);
    TestProjects.Run a = TestProjects.train(repo, 0.1, 1, 1);
    TestProjects.Run b = TestProjects.train(repo, 0.2, 1, 1);
    write(repo, "Train.java", "public class Train {\n  // version 2\n}\n");
    TestProjects.Run c = TestProjects.train(repo, 0.1, 1, 1);
    Table runs = TestProjects.query(repo, "SELECT run_id, version, code_version FROM runs ORDER BY tstamp");
    ObjectId headTree;
    try (Repository r = new FileRepositoryBuilder().setWorkTree(repo.toFile()).setMustExist(true).build()) {
      headTree = r.resolve("HEAD^{tree}");
    }
    assertThat(runs.column("version")).containsExactly(a.commit().name(), b.commit().name(), c.commit().name());
    assertThat(runs.column("code_version")).containsExactly(headTree.name(), headTree.name(),
        runs.row(2).getString("code_version"));
    assertThat(runs.row(2).getString("code_version")).isNotEqualTo(headTree.name());
  }
}
