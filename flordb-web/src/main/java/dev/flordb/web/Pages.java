package dev.flordb.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The pages: static HTML shells in the jar ({@code dev/flordb/web/*.html}) whose scripts read the
 * JSON API; their addresses can be bookmarked ({@code /}, {@code /runs/RUN}, {@code
 * /compare?runs=A,B}, {@code /replay}), and what they show is in the address (filter, sort,
 * columns). A run that does not exist is a 404 page, not an empty one.
 */
final class Pages {
  private final Api api;

  Pages(Api api) {
    this.api = api;
  }

  void routes(RoutesConfig r) {
    r.get("/", ctx -> page(ctx, "runs.html"));
    r.get("/runs/{run}", ctx -> {
      String run = ctx.pathParam("run");
      if (!api.exists(run)) {
        FlorServer.fail(ctx, 404, "There is no run " + run + " in this project. The runs are listed on the first page.");
        return;
      }
      page(ctx, "run.html");
    });
    r.get("/compare", ctx -> page(ctx, "compare.html"));
    r.get("/replay", ctx -> page(ctx, "replay.html"));
  }

  private static void page(Context ctx, String name) {
    String html = FlorServer.CACHE.computeIfAbsent(name, FlorServer::resource);
    ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'");
    ctx.contentType("text/html; charset=utf-8").result(html);
  }

  static String errorPage(int status, String message) {
    return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + status + " · FlorDB</title>"
        + "<link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><header><a href=\"/\">FlorDB</a></header>"
        + "<main><h1 class=\"error-status\">" + status + "</h1><p class=\"error-message\">" + escape(message)
        + "</p><p><a href=\"/\">All runs</a></p></main></body></html>";
  }

  static String escape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
