package dev.flordb.internal.run;

import dev.flordb.internal.checkpoint.Checkpoints;
import dev.flordb.internal.records.Frame;
import dev.flordb.internal.replay.ReplayLevels;
import dev.flordb.internal.source.AnalysisCache;
import dev.flordb.internal.source.Sites;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * The run's loops and where each value belongs: each thread's context (the loop positions a value
 * logged now is recorded in), the loops under way with their timings and end-of-iteration
 * checkpoints ({@link LoopIterator}), the loops the program left by {@code break} or an exception,
 * and the program's statement sites, which place a value logged after such a loop outside it.
 */
final class Loops {
  private final Console console;
  private final Checkpoints checkpoints;
  private final Timings timings;
  /** Times the iterations: one read a step. */
  private final Ticker ticker;
  /** False in a replay, whose outermost loop the replay engine runs. */
  private final boolean forward;

  private final ThreadLocal<Place> context = new ThreadLocal<>();
  /** The place of the thread that last entered a loop position; see {@link Place}. */
  private volatile Place loopingPlace = new Place(null);

  /**
   * Where the program's statements and loops are, from its source: a value logged after a loop
   * that the program left by {@code break} (Java tells the iterator nothing) carries the context
   * it was logged in, not the loop's last iteration. Read in the background when the run starts
   * (kept in {@code .flor/cache/} by the source's hash, so a second run of the same code has it at
   * once); null until then, or when the source or the analyser is not at hand.
   */
  private volatile Sites sites;
  /** True once a value was logged inside a loop before {@link #sites} were known. */
  private volatile boolean loggedBeforeSites;
  /** The loops under way, outermost first (the loops of the looping thread). */
  private final List<LoopIterator<?>> openLoops = new ArrayList<>();
  private final List<String> leftByBreak = new ArrayList<>();

  Loops(Console console, Checkpoints checkpoints, Timings timings, Ticker ticker, boolean forward) {
    this.ticker = ticker;
    this.console = console;
    this.checkpoints = checkpoints;
    this.timings = timings;
    this.forward = forward;
  }

  // ---------------------------------------------------------------- contexts

  // context() and setContext() run at every log and step: their common case is small enough for
  // the first compiler to inline (a run's first loop runs on its code), the rest in methods of its own.

  Frame context() {
    // the thread that last entered a loop position reads its own, without a ThreadLocal look-up
    Place looping = loopingPlace;
    if (Thread.currentThread() == looping.thread) return looping.top;
    return otherThreadsContext(looping);
  }

  private Frame otherThreadsContext(Place looping) {
    Place mine = context.get();
    return mine != null ? mine.top : outsideIterations(looping.top);
  }

  /**
   * The looping thread's context as another thread without a context of its own sees it: its loop
   * positions, but none of its {@code iteration} blocks, which are that thread's alone (in a
   * server, another request's).
   */
  private static Frame outsideIterations(Frame top) {
    Frame outside = top;
    for (Frame f = top; f != Frame.ROOT; f = f.parent) if (f.iteration) outside = f.parent;
    return outside;
  }

  void setContext(Frame f) {
    Place looping = loopingPlace;
    if (Thread.currentThread() == looping.thread) {
      looping.top = f; // a field write a step
      return;
    }
    setOtherThreadsContext(f);
  }

  private void setOtherThreadsContext(Frame f) {
    Thread me = Thread.currentThread();
    Place mine = context.get();
    if (mine == null) {
      mine = new Place(me);
      context.set(mine);
    }
    mine.top = f;
    loopingPlace = mine;
  }

  /**
   * A thread's context. The place of the thread that last entered a loop position is also the
   * context of threads that run no loop (helpers, pools), without its iteration blocks; they read
   * its {@code top} without a lock, and since a Frame is immutable they read a whole frame, if a
   * moment late.
   */
  private static final class Place {
    final Thread thread;
    Frame top = Frame.ROOT;

    Place(Thread thread) {
      this.thread = thread;
    }
  }

  /** An {@code iteration} block: its context until the returned scope is closed. */
  Closing iteration(String name, long index, String value) {
    Thread me = Thread.currentThread();
    Frame parent = context();
    Frame f = Frame.iteration(parent, name, index, value);
    setContext(f);
    return new Closing() {
      boolean done;

      @Override
      public void close() {
        if (done) return;
        done = true;
        if (parent == Frame.ROOT && forward) checkpoints.iterationEnded(f, false);
        if (Thread.currentThread() == me) setContext(parent);
      }
    };
  }

  // ---------------------------------------------------------------- statement sites

  /** The context a value of {@code name} logged now belongs to. */
  Frame placeOf(String name) {
    Frame ctx = context();
    Sites known = sites;
    if (known != null) return known.place(name, ctx);
    if (ctx != Frame.ROOT && !loggedBeforeSites) loggedBeforeSites = true;
    return ctx;
  }

  /** The program's sites, or null while they are not known. */
  Sites sites() {
    return sites;
  }

  void useSites(Sites known) {
    sites = known;
  }

  /** Starts reading the program's sites: from the cache, else by analysing the source (now, when it has a break; else in the background). */
  void findSites(Launch launch, Path workTree, Path florDir) {
    findSites(ReplayLevels.sourceOf(launch.details, workTree, null), florDir, false);
  }

  /**
   * The sites of {@code source}; with {@code onlyBeforeABreak} (a replay, whose analysis brings
   * them in the background), only for a program that can leave a loop by break, which needs them
   * before it goes on.
   */
  void findSites(Path source, Path florDir, boolean onlyBeforeABreak) {
    if (source == null) return;
    AnalysisCache cache = AnalysisCache.of(florDir, source);
    if (cache == null || (onlyBeforeABreak && !cache.mayLeaveALoop())) return;
    Sites cached = cache.cachedSites();
    if (cached != null) {
      sites = cached;
      return;
    }
    if (cache.mayLeaveALoop()) {
      // a program that can leave a loop by break: where its statements are must be known before
      // the first value after such a loop is logged, so the first run of this code reads it now
      try {
        sites = cache.sites();
      } catch (RuntimeException e) {
        // does not parse, or the analyser failed: said at the end if it mattered
      }
      return;
    }
    CompletableFuture.runAsync(() -> {
      try {
        sites = cache.sites();
      } catch (RuntimeException e) {
        // a program that does not parse, or an analyser that failed: no sites, said at the end if it mattered
      }
    }, RunStart.daemonThreads("flordb-sites"));
  }

  // ---------------------------------------------------------------- loops

  /** The context a loop starting now sits in. */
  Frame loopParent(String name) {
    Frame top = context();
    // A loop started again while an earlier run of it was left by 'break' replaces that one.
    Frame stale = top.find(name);
    Frame parent = stale != null ? stale.parent : top;
    // A loop the source shows outside every loop starts there, whatever loop was left by 'break' before it.
    Sites known = sites;
    if (known != null && known.outermost.contains(name)) parent = Frame.ROOT;
    return parent;
  }

  /** The integers from {@code start} up to {@code end} (exclusive), from the start each time it is iterated. */
  static Iterable<Integer> range(int start, int end) {
    return new Iterable<>() {
      @Override
      public Iterator<Integer> iterator() {
        return new Iterator<>() {
          int next = start;

          @Override
          public boolean hasNext() {
            return next < end;
          }

          @Override
          public Integer next() {
            if (next >= end) throw new NoSuchElementException();
            return box(next++);
          }
        };
      }
    };
  }

  /**
   * The boxes of the indices of range loops, made once: a training loop's steps run over the same
   * range every epoch, and an {@code Integer} a step (beyond Java's own cache, up to 127) would be
   * most of what its loop allocates.
   */
  private static final Integer[] BOXES = new Integer[1 << 14];

  /** {@code Integer.valueOf(i)}; racy, and benign: an Integer is immutable and any box of i will do. */
  private static Integer box(int i) {
    if (i < 0 || i >= BOXES.length) return i;
    Integer b = BOXES[i];
    if (b == null) BOXES[i] = b = i;
    return b;
  }

  /** A loop the program runs itself, iteration by iteration. */
  <T> Iterator<T> iterate(String name, Iterator<T> items, long size, boolean indexIsValue) {
    return new LoopIterator<>(name, items, size, indexIsValue);
  }

  /** At the end of the run: the loops still open are left, and said if values after them may sit in them. */
  void end() {
    leaveLoopsFrom(0);
    if (!leftByBreak.isEmpty() && loggedBeforeSites) {
      String why = "FlorDB had not read where the program's statements are when they were logged (the source file"
          + " is not known to it, did not parse, or was still being read)";
      console.warn("the program left " + String.join(", ", leftByBreak) + " by break or an exception; values it logged"
          + " after such a loop may be recorded in the loop's last iteration, because " + why);
    }
  }

  /** The loop {@code loop} and the loops it started are left: a break, or an exception caught outside. */
  private void leaveLoopsFrom(int index) {
    synchronized (openLoops) {
      while (openLoops.size() > index) openLoops.get(openLoops.size() - 1).left();
    }
  }

  /** Loops not around {@code parent} were left before it: their profiles are recorded now. */
  private void leaveLoopsNotAround(Frame parent) {
    synchronized (openLoops) {
      for (int i = 0; i < openLoops.size(); i++) {
        LoopIterator<?> l = openLoops.get(i);
        if (l.current == null || !isWithin(parent, l.current)) {
          leaveLoopsFrom(i);
          return;
        }
      }
    }
  }

  private static boolean isWithin(Frame f, Frame ancestor) {
    for (; f != null; f = f.parent) if (f == ancestor) return true;
    return false;
  }

  private final class LoopIterator<T> implements Iterator<T> {
    private final String name;
    private final Iterator<T> items;
    private final long size;
    private final boolean indexIsValue;
    private final Frame parent;
    /** The JSON of this loop's context up to the index, the same for every iteration. */
    private final Frame.Prefix ctxPrefix;
    /** False where no progress bar can be shown (most runs): a step then makes no call for it. */
    private final boolean progress;
    /** The frame of the iteration under way. */
    Frame current;
    /** Where this loop was put in {@link #openLoops}. */
    private int openIndex;
    private long index = -1;
    /** True where every iteration is timed: the outermost loop's, which are few and long, and a progress bar's. */
    private final boolean timesAll;
    /** Whether the iteration under way is timed; see {@link Timings} for which are. */
    private boolean timing;
    /** The state of the generator that picks the iterations timed (xorshift; never 0). */
    private long pick;
    private long firstStart;
    private long iterStart;
    private final long loopStart;
    private boolean finished;
    // Welford's running mean and variance of the times of the iterations timed
    private long timed;
    private double timedMean;
    private double m2;

    LoopIterator(String name, Iterator<T> items, long size, boolean indexIsValue) {
      this.name = name;
      this.items = items;
      this.size = size;
      this.indexIsValue = indexIsValue;
      this.parent = loopParent(name);
      this.ctxPrefix = new Frame.Prefix(parent, name);
      this.progress = console.showsProgress(size);
      this.timesAll = parent == Frame.ROOT || progress;
      this.loopStart = ticker.nanos();
      this.pick = (0x9E3779B97F4A7C15L ^ loopStart) | 1; // each run of the loop its own sample
      leaveLoopsNotAround(parent);
      synchronized (openLoops) {
        openIndex = openLoops.size();
        openLoops.add(this);
      }
      if (parent == Frame.ROOT) {
        timings.outerLoopStarted(loopStart);
        checkpoints.loopStarted(loopStart);
      }
    }

    @Override
    public boolean hasNext() {
      if (finished) return false;
      if (items.hasNext()) return true;
      finish();
      return false;
    }

    @Override
    public T next() {
      if (finished) throw new NoSuchElementException();
      long ending = index;
      boolean endsTimed = timing;
      boolean startsTimed = timing = timesAll || ending < 63 || picked();
      // a clock read costs about as much as the rest of a step: only where an iteration timed starts or ends
      long now = endsTimed || startsTimed ? ticker.nanos() : 0;
      if (ending >= 0) {
        leaveLoopsInside();
        if (endsTimed) endIteration(now);
        if (parent == Frame.ROOT) checkpoints.iterationEnded(current, false);
      } else {
        firstStart = now;
      }
      T item = items.next();
      index = ending + 1;
      current = new Frame(parent, name, index, indexIsValue ? null : item, ctxPrefix);
      setContext(current);
      if (startsTimed) iterStart = now; // the step's own bookkeeping counts in the iteration
      return item;
    }

    /** One in eight, at random. */
    private boolean picked() {
      long x = pick;
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      pick = x;
      return (x & 7) == 0;
    }

    private void endIteration(long now) {
      double secs = (now - iterStart) / 1e9;
      long n = ++timed;
      double delta = secs - timedMean;
      timedMean += delta / n;
      m2 += delta * (secs - timedMean);
      if (progress) console.progress(name, index + 1, size, timedMean);
    }

    /** Loops this iteration started and left by break: their profiles, before this loop goes on. */
    private void leaveLoopsInside() {
      // a racy read: only a hint, checked again under the lock
      if (openLoops.size() > openIndex + 1) leaveLoopsLeftInside();
    }

    private void leaveLoopsLeftInside() {
      synchronized (openLoops) {
        int me = openLoops.indexOf(this);
        if (me >= 0 && openLoops.size() > me + 1) leaveLoopsFrom(me + 1);
      }
    }

    /** The program went on without finishing the loop: its profile as far as it went; no end checkpoint. */
    void left() {
      if (finished) return;
      leftByBreak.add(name + (index >= 0 ? " (after " + name + " " + index + ")" : ""));
      end(false);
    }

    private void finish() {
      end(true);
    }

    private void end(boolean completed) {
      finished = true;
      synchronized (openLoops) {
        openLoops.remove(this);
      }
      long now = ticker.nanos();
      if (index >= 0) {
        if (timing) endIteration(now);
        // the last iteration always: replay restores it to skip the whole loop (a loop left by break
        // may have changed the state since; replay recomputes that iteration instead)
        if (parent == Frame.ROOT && completed) checkpoints.iterationEnded(current, true);
      }
      console.endProgress();
      if (completed || context() == current) setContext(parent);
      long count = index + 1;
      double mean = count > 0 ? (now - firstStart) / 1e9 / count : 0.0; // exact: the iterations follow one another
      double std = timed > 1 ? Math.sqrt(m2 / (timed - 1)) : 0.0;
      timings.loopEnded(parent, name, count, mean, std, now - loopStart, now);
    }
  }
}
