package dev.flordb.web;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Who may use the server. On a loopback address (the default) anyone on this machine, as with
 * any local tool; on any other address, only who holds the token the server printed: given once
 * in the link ({@code ?token=...}, which sets a cookie and drops it from the address), in the
 * cookie after that, or in an {@code Authorization: Bearer ...} header from scripts.
 *
 * <p>Whatever the address, a request must name this server in its {@code Host} header when
 * serving on loopback (a web page elsewhere cannot reach it through a name of its own, DNS
 * rebinding), and a request that changes something (POST) must carry the header {@code
 * X-FlorDB: 1}, which the page's scripts send and a form on another site cannot.
 */
final class Access {
  static final String COOKIE = "flordb_token";
  static final String CHANGE_HEADER = "X-FlorDB";

  final boolean loopback;
  /** Null on loopback. */
  final String token;

  private Access(boolean loopback, String token) {
    this.loopback = loopback;
    this.token = token;
  }

  static Access forHost(String host) {
    boolean loopback;
    try {
      loopback = InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--host " + host + " is not an address of this machine (" + e.getMessage()
          + "); give an address such as 127.0.0.1 (the default) or 0.0.0.0 (every interface, with a token)");
    }
    if (loopback) return new Access(true, null);
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    return new Access(false, HexFormat.of().formatHex(b));
  }

  /** Null when the request may go on, else the status to answer with. */
  Integer refuse(Context ctx) {
    if (loopback && !loopbackHost(ctx.host())) return 421;
    if (ctx.method().name().equals("POST") && !"1".equals(ctx.header(CHANGE_HEADER))) return 403;
    if (token == null) return null;
    String given = ctx.queryParam("token");
    if (given != null && same(given, token)) {
      Cookie c = new Cookie(COOKIE, token, "/", -1, false, true, null, SameSite.STRICT);
      c.setHttpOnly(true);
      c.setPath("/");
      c.setSameSite(SameSite.STRICT);
      ctx.cookie(c);
      return null;
    }
    String cookie = ctx.cookie(COOKIE);
    if (cookie != null && same(cookie, token)) return null;
    String auth = ctx.header("Authorization");
    if (auth != null && auth.startsWith("Bearer ") && same(auth.substring(7).trim(), token)) return null;
    return 401;
  }

  private static boolean loopbackHost(String hostHeader) {
    if (hostHeader == null) return false;
    String h = hostHeader.toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) h = h.substring(1, Math.max(1, h.indexOf(']')));
    else if (h.contains(":")) h = h.substring(0, h.lastIndexOf(':'));
    return h.equals("localhost") || h.equals("::1") || h.startsWith("127.");
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
