package dev.flordb.web;

import dev.flordb.FlorException;
import dev.flordb.internal.git.Snapshots;
import dev.flordb.internal.records.Json;
import dev.flordb.internal.run.Session;
import dev.flordb.internal.run.Settings;
import dev.flordb.internal.store.SharedStore;
import dev.flordb.internal.store.Store;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code flordb serve}: an HTTP server for one project, its pages and the JSON API under
 * {@code /api/} they are built on (documented in the README). It reads the project's store and
 * its git snapshots; it writes only what a person asks for: notes records ({@link Notes}) and the
 * replays they start ({@link Replays}), both inside {@code .flor/} and on FlorDB's own refs.
 *
 * <p>The store it reads is the one the commands read: the shared store when the project has one
 * ({@code FLOR_STORE}, {@code --store}, {@code store.url}), with every clone's runs, else {@code
 * .flor/flor.db} ({@link Reads}). What needs a run's own files (its code, tags and notes, replay)
 * works for the runs whose snapshot and records this clone has, and says so for the others.
 *
 * <pre>{@code
 * try (FlorServer s = FlorServer.start(Path.of("."), "127.0.0.1", 0, classPath)) {
 *   System.out.println(s.url());
 * }
 * }</pre>
 */
public final class FlorServer implements AutoCloseable {
  private final Javalin app;
  private final Api api;
  private final Snapshots git;
  /** The local store: replays, and this clone's records. */
  private final Store store;
  /** The store that dataframes and queries read: {@link #store}, or a second one sharing the team's store. */
  private final Store reading;
  private final Reads reads;
  private final Reads local;
  private final Access access;
  private final String host;
  private final String project;
  private final String served;

  private FlorServer(Javalin app, Api api, Snapshots git, Store store, Store reading, Reads reads, Reads local,
      Access access, String host, String project, String served) {
    this.app = app;
    this.api = api;
    this.git = git;
    this.store = store;
    this.reading = reading;
    this.reads = reads;
    this.local = local;
    this.access = access;
    this.host = host;
    this.project = project;
    this.served = served;
  }

  /**
   * Starts serving the project whose git repository holds {@code dir}, on {@code host} and
   * {@code port} (0: a free one), from the store its settings name ({@code FLOR_STORE}, else
   * {@code store.url} in {@code flordb.properties}, else the local store). {@code
   * programClassPath} is what replayed programs run with.
   *
   * @throws IllegalArgumentException for a host that is not an address of this machine
   */
  public static FlorServer start(Path dir, String host, int port, String programClassPath) {
    String storeUrl;
    try (Snapshots git = Snapshots.open(dir)) {
      storeUrl = Settings.fromEnvironment().storeUrl(git.workTree());
    }
    return start(dir, host, port, programClassPath, storeUrl);
  }

  /**
   * As {@link #start(Path, String, int, String)}, from the shared store at {@code storeUrl} (a
   * JDBC URL, as {@code flordb --store} takes), or from the local store when it is null.
   *
   * @throws FlorException when the shared store cannot be reached, naming it without its password
   */
  public static FlorServer start(Path dir, String host, int port, String programClassPath, String storeUrl) {
    if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0 to 65535, not " + port);
    Access access = Access.forHost(host);
    Snapshots git = Snapshots.open(dir);
    Path florDir = git.workTree().resolve(".flor");
    List<String> warnings = new ArrayList<>();
    java.util.function.Consumer<String> sink = w -> {
      synchronized (warnings) {
        warnings.add(w);
      }
    };
    Store store = null;
    Store reading = null;
    Reads local = null;
    Reads reads;
    String served;
    try {
      store = Store.open(florDir, git, sink);
      store.sync();
      local = new SqliteReads(florDir.resolve(Store.DB_FILE));
      if (storeUrl == null) {
        reading = store;
        reads = local;
        served = "the local store " + florDir.resolve(Store.DB_FILE);
      } else {
        // the commands' way (ProjectOptions): a local store whose reads go to the shared one, after shipping to it
        reading = Store.open(florDir, git, sink);
        SharedStore shared = SharedStore.open(storeUrl, git);
        reading.share(shared);
        shared.connect();
        reading.shipToShared();
        reads = new SharedReads(shared);
        served = "the shared store " + shared.describe() + ", every clone's runs";
      }
    } catch (RuntimeException e) {
      if (local != null) local.close();
      if (reading != null && reading != store) reading.close();
      if (store != null) store.close();
      git.close();
      throw e;
    }
    String project = git.workTree().getFileName().toString();
    Api api = new Api(git, reading, reading != store, reads, local, project,
        new Notes(git, florDir, Session.newId(System.currentTimeMillis()), System::currentTimeMillis),
        new Replays(git, store, florDir, programClassPath), warnings);
    Pages pages = new Pages(api);
    Javalin app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.jetty.host = host;
      config.jetty.port = port;
      config.staticFiles.add(s -> {
        s.hostedPath = "/static";
        s.directory = "/dev/flordb/web/static";
        s.location = Location.CLASSPATH;
      });
      config.staticFiles.enableWebjars();
      config.routes.before(ctx -> {
        Integer refused = access.refuse(ctx);
        if (refused != null) throw new ApiError(refused, refusal(refused));
        if (access.token != null && ctx.queryParam("token") != null && !ctx.path().startsWith("/api/")) {
          // the link's token is now a cookie: keep it out of the address bar, history and bookmarks
          ctx.status(303).header("Location", ctx.path());
          ctx.skipRemainingHandlers();
          return;
        }
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
      });
      api.routes(config.routes);
      pages.routes(config.routes);
      config.routes.exception(ApiError.class, (e, ctx) -> fail(ctx, e.status, e.getMessage()));
      config.routes.exception(FlorException.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
      config.routes.exception(IllegalArgumentException.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
      config.routes.exception(Exception.class, (e, ctx) -> fail(ctx, 500, "the server failed: " + e));
      config.routes.error(404, ctx -> {
        if (ctx.attribute(FAILED) == null) {
          fail(ctx, 404, "there is no page " + ctx.path() + " here; the pages are /, /runs/RUN, /compare?runs=A,B and"
              + " /replay, the API is under /api/ (see the README)");
        }
      });
    });
    try {
      app.start();
    } catch (RuntimeException e) {
      closeAll(reads, local, reading, store, git);
      throw new IllegalStateException("cannot serve on " + host + ":" + port + ": " + e.getMessage()
          + (port != 0 ? " (is the port taken? --port 0 takes a free one)" : ""), e);
    }
    return new FlorServer(app, api, git, store, reading, reads, local, access, host, project, served);
  }

  private static void closeAll(Reads reads, Reads local, Store reading, Store store, Snapshots git) {
    if (reads != local) reads.close();
    local.close();
    if (reading != store) reading.close(); // closes the shared store too
    store.close();
    git.close();
  }

  private static String refusal(int status) {
    return switch (status) {
      case 421 -> "this server answers only to its loopback address (the Host header names another)";
      case 403 -> "a change must come from the page (the header " + Access.CHANGE_HEADER + ": 1 is missing)";
      default -> "this server needs its token: open the link flordb serve printed (…/?token=…), or send"
          + " Authorization: Bearer TOKEN";
    };
  }

  /** A failed request: JSON under /api/, a small page elsewhere; always saying what was wrong. */
  static void fail(Context ctx, int status, String message) {
    ctx.attribute(FAILED, Boolean.TRUE);
    ctx.status(status);
    if (ctx.path().startsWith("/api/")) {
      ctx.contentType("application/json").result(Json.write(Map.of("error", message, "status", status)));
    } else {
      ctx.contentType("text/html; charset=utf-8").result(Pages.errorPage(status, message));
    }
  }

  /** The project's name, as the page shows it. */
  public String project() {
    return project;
  }

  /**
   * The store served, as {@code flordb serve} prints it: {@code the shared store
   * postgresql://HOST:PORT/DB (project ...), every clone's runs} (never a user or password), or
   * {@code the local store .../.flor/flor.db}.
   */
  public String served() {
    return served;
  }

  public int port() {
    return app.port();
  }

  /** The address to open: with the token when one is needed. */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    if (host.equals("0.0.0.0") || host.equals("::")) h = "127.0.0.1";
    return "http://" + h + ":" + port() + "/" + (access.token == null ? "" : "?token=" + access.token);
  }

  /** The token every request must carry, or null on loopback. */
  public String token() {
    return access.token;
  }

  @Override
  public void close() {
    app.stop();
    closeAll(reads, local, reading, store, git);
  }

  static String resource(String name) {
    try (InputStream in = FlorServer.class.getResourceAsStream("/dev/flordb/web/" + name)) {
      if (in == null) throw new IllegalStateException("the page " + name + " is missing from the jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final Map<String, String> CACHE = new ConcurrentHashMap<>();
  /** Set on a request whose failure was already written, so that the 404 handler leaves it as it is. */
  private static final String FAILED = "flordb.failed";
}
