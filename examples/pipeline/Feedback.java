import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.flordb.Flor;
import dev.flordb.Table;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Step 6, the feedback loop: a small web app where people look at the digits with the current
 * model's prediction and correct their labels. Each correction is one request, logged as {@code
 * label} inside {@code Flor.iteration("item", ...)} and committed before the answer goes back, so
 * the next Train.java run (the next {@code make}) learns from it: it takes each item's latest label.
 *
 * <pre>
 *   java -cp "$(../../flordb classpath | tail -n 1)" Feedback.java                     # http://127.0.0.1:8000/
 *   java -cp "$(../../flordb classpath | tail -n 1)" Feedback.java --kwargs port=0     # any free port
 * </pre>
 *
 * The app is one run that lasts until it is stopped (Ctrl-C); every request is served on a thread
 * of a pool, so several people can correct at once: each request's values carry its own item. It
 * listens on the loopback address; {@code --kwargs host=0.0.0.0} lets in the people of your
 * network (there is no login).
 *
 * <ul>
 *   <li>{@code GET /}: the review queue, the labelled items whose label the model disagrees with
 *       and no person has corrected yet; {@code GET /?show=all&from=N}: every item, a page at a time.
 *   <li>{@code POST /label} with form fields {@code item} and {@code label} (0 to 9): the correction;
 *       answers 303 back to the page (400 naming the bad field).
 * </ul>
 *
 * Without a browser, {@code --kwargs corrections=corrections.csv} enters a file of corrections
 * (a header line, then {@code item,label} per line) the same way, committing every {@code batch}.
 */
public class Feedback {
  static final int PAGE = 60;

  public static void main(String[] args) throws IOException {
    String corrections = Flor.arg("corrections", "");
    if (!corrections.isEmpty()) {
      enter(Path.of(corrections), Flor.arg("batch", 10));
      return;
    }
    String host = Flor.arg("host", "127.0.0.1");
    int port = Flor.arg("port", 8000);
    int threads = Flor.arg("threads", 8);
    System.setProperty("java.awt.headless", "true"); // images are drawn in memory, never shown
    Feedback app = new Feedback(readDigits());
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/", app::handle);
    server.setExecutor(Executors.newFixedThreadPool(threads));
    server.start();
    System.out.println("The feedback app is at http://" + host + ":" + server.getAddress().getPort() + "/ (Ctrl-C to stop)");
  }

  /** One correction: what a request does, and what each line of a corrections file does. */
  static void correct(long item, int label) {
    try (var it = Flor.iteration("item", item)) {
      Flor.log("label", label);
    }
  }

  /** The corrections of a file, each as one request would enter it, committed every {@code batch}. */
  static void enter(Path file, int batch) throws IOException {
    List<String> lines = Files.readAllLines(file);
    for (int n = 1; n < lines.size(); n++) {
      String[] fields = lines.get(n).split(",");
      correct(Long.parseLong(fields[0].trim()), Integer.parseInt(fields[1].trim()));
      if (n % batch == 0) Flor.commit(); // the last few at exit
    }
  }

  private final byte[][] digits;
  /** Each item's image as a data URL, drawn on first use. */
  private final Map<Long, String> images = new ConcurrentHashMap<>();

  Feedback(byte[][] digits) {
    this.digits = digits;
  }

  void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      if (path.equals("/") && method.equals("GET")) {
        page(ex, form(ex.getRequestURI().getRawQuery()));
      } else if (path.equals("/label") && method.equals("POST")) {
        label(ex, form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      } else if (path.equals("/") || path.equals("/label")) {
        send(ex, 405, "text/plain", method + " " + path + " is not served here; " + (path.equals("/") ? "GET" : "POST") + " it");
      } else {
        send(ex, 404, "text/plain", path + " is not a page of this app; the review queue is at /");
      }
    } catch (BadRequest e) {
      send(ex, 400, "text/plain", e.getMessage());
    } catch (RuntimeException e) {
      send(ex, 500, "text/plain", "the app failed: " + e);
      throw e;
    } finally {
      ex.close();
    }
  }

  /** POST /label: logs the correction in its item's iteration and commits it, then back to the page it came from. */
  private void label(HttpExchange ex, Map<String, String> form) throws IOException {
    long item = number(form, "item", 0, Long.MAX_VALUE);
    int label = (int) number(form, "label", 0, 9);
    if (!items().containsKey(item)) throw new BadRequest("item " + item + " has no prediction: the items are those Infer.java predicted");
    correct(item, label);
    Flor.commit(); // durable and versioned before the person is told it is saved
    ex.getResponseHeaders().set("Location", "/?" + view(form) + "&saved=" + item + "&as=" + label + "#item-" + item);
    send(ex, 303, "text/plain", "item " + item + " is now labelled " + label + "\n");
  }

  /** GET /: the review queue, or every item a page at a time. */
  private void page(HttpExchange ex, Map<String, String> query) throws IOException {
    Model model = model();
    if (model == null) {
      send(ex, 503, "text/plain", "no finished Infer.java run yet: run make first, then reload");
      return;
    }
    Map<Long, Label> labels = latestLabels(Long.MAX_VALUE);
    boolean all = "all".equals(query.get("show"));
    long from = query.containsKey("from") ? number(query, "from", 0, Long.MAX_VALUE) : 0;
    // The queue: labelled items the model disagrees with, that no person has corrected yet.
    List<Long> shown = new java.util.ArrayList<>();
    int disagree = 0;
    int queued = 0;
    for (Map.Entry<Long, Integer> p : model.predictions.entrySet()) {
      Label l = labels.get(p.getKey());
      boolean differs = l != null && l.label != p.getValue();
      if (differs) disagree++;
      if (differs && !l.corrected) queued++;
      boolean show = all ? p.getKey() >= from : differs && !l.corrected;
      if (show && shown.size() < PAGE) shown.add(p.getKey());
    }

    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Feedback: digits to correct</title>")
        .append("<style>").append(CSS).append("</style></head><body>");
    h.append("<h1>Correct the labels</h1><p class=\"model\">The model: run <code>").append(model.modelRun)
        .append("</code>, epoch ").append(model.modelEpoch).append(", as Infer.java run <code>").append(model.inferRun)
        .append("</code> predicted ").append(model.predictions.size()).append(" items. It disagrees with <b id=\"disagree\">")
        .append(disagree).append("</b> of their ").append(labels.size()).append(" labels; <b id=\"queued\">").append(queued)
        .append("</b> of those wait for a person.</p>");
    h.append("<nav>").append(all ? "<a href=\"/\">the review queue</a> · <b>every item</b>" : "<b>the review queue</b> · <a href=\"/?show=all\">every item</a>");
    if (all) {
      if (from > 0) h.append(" · <a href=\"/?show=all&amp;from=").append(Math.max(0, from - PAGE)).append("\">previous</a>");
      if (!shown.isEmpty() && shown.get(shown.size() - 1) < model.predictions.lastKey()) {
        h.append(" · <a href=\"/?show=all&amp;from=").append(shown.get(shown.size() - 1) + 1).append("\">next</a>");
      }
    }
    h.append("</nav><p class=\"hint\">Click the digit each image shows: its label if the label is right, the right one if"
        + " not. Dark: the label; dashed: the model's guess. Each click is saved at once, for the next training run.</p>");
    if (query.containsKey("saved")) {
      h.append("<p class=\"saved\" id=\"saved\">Saved: item ").append(number(query, "saved", 0, Long.MAX_VALUE))
          .append(" labelled ").append(number(query, "as", 0, 9)).append(".</p>");
    }
    if (shown.isEmpty()) h.append("<p class=\"empty\">").append(all ? "No items from here on." : "Nothing to review.").append("</p>");
    h.append("<div class=\"items\">");
    for (long item : shown) card(h, item, labels.get(item), model.predictions.get(item), all ? from : null);
    h.append("</div></body></html>");
    send(ex, 200, "text/html; charset=utf-8", h.toString());
  }

  /** One item: its digit, label and prediction, and a button per digit; {@code allFrom} is the page of every item it is on, or null in the queue. */
  private void card(StringBuilder h, long item, Label label, int prediction, Long allFrom) {
    h.append("<div class=\"item\" id=\"item-").append(item).append("\" data-item=\"").append(item).append("\">");
    h.append("<img alt=\"the digit of item ").append(item).append("\" src=\"").append(image(item)).append("\">");
    h.append("<div class=\"facts\">item ").append(item).append("<br>label <b class=\"label\">")
        .append(label == null ? "none" : String.valueOf(label.label)).append("</b>");
    if (label != null && label.corrected) h.append(" <span class=\"corrected\">corrected</span>");
    h.append("<br>model <b class=\"prediction\">").append(prediction).append("</b></div>");
    h.append("<form method=\"post\" action=\"/label\"><input type=\"hidden\" name=\"item\" value=\"").append(item).append("\">");
    if (allFrom != null) {
      h.append("<input type=\"hidden\" name=\"show\" value=\"all\"><input type=\"hidden\" name=\"from\" value=\"")
          .append(allFrom).append("\">");
    }
    for (int d = 0; d < 10; d++) {
      h.append("<button name=\"label\" value=\"").append(d).append('"');
      if (label != null && label.label == d) h.append(" class=\"current\"");
      else if (prediction == d) h.append(" class=\"suggested\" title=\"the model's guess\"");
      h.append(">").append(d).append("</button>");
    }
    h.append("</form></div>");
  }

  /** The view a correction came from, to go back to. */
  private static String view(Map<String, String> form) {
    if (!"all".equals(form.get("show"))) return "show=queue";
    return "show=all&from=" + number(form, "from", 0, Long.MAX_VALUE);
  }

  /** The items there are: those the latest model predicted. */
  private Map<Long, Integer> items() {
    Model model = model();
    return model == null ? Map.of() : model.predictions;
  }

  private volatile Model model;

  /** The newest finished Infer.java run's model and predictions, read again only when there is a newer run. */
  private Model model() {
    Table newest = Flor.query("SELECT run_id FROM runs WHERE (filename = 'Infer.java' OR filename LIKE '%/Infer.java')"
        + " AND status = 'finished' ORDER BY tstamp DESC LIMIT 1");
    if (newest.size() == 0) return null;
    String run = newest.row(0).getString("run_id");
    Model known = model;
    if (known == null || !known.inferRun.equals(run)) model = known = Model.of(run);
    return known;
  }

  /** The digit of an item as a PNG data URL: dark ink on white, 28 x 28 pixels. */
  private String image(long item) {
    return images.computeIfAbsent(item, i -> {
      byte[] digit = digits[(int) (i * 7919L % digits.length)]; // as in Featurise.java
      BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      for (int p = 0; p < 28 * 28; p++) img.getRaster().setSample(p % 28, p / 28, 0, 255 - (digit[1 + p] & 0xff));
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      try {
        ImageIO.write(img, "png", png);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    });
  }

  // ---------------------------------------------------------------- what the store holds

  /** An item's latest label, and whether a person gave it here. */
  record Label(int label, boolean corrected) {}

  /**
   * Each item's latest label among those logged before {@code before} (milliseconds), as
   * Train.java reads them: by when each was logged ({@code logs.t}), since this app is one run
   * that logs for as long as it is up.
   */
  static Map<Long, Label> latestLabels(long before) {
    Map<Long, Label> latest = new TreeMap<>();
    for (Table.Row r : Flor.query("SELECT c.idx AS item, l.value AS label, r.filename FROM logs l"
        + " JOIN runs r ON r.rid = l.rid JOIN ctx c ON c.id = l.ctx"
        + " WHERE l.kind = 'log' AND l.name = 'label' AND c.loop = 'item' AND l.t < " + before
        + " ORDER BY l.t, r.tstamp, l.seq")) {
      String program = r.getString("filename");
      latest.put(r.getLong("item"), new Label(r.getLong("label").intValue(),
          program.equals("Feedback.java") || program.endsWith("/Feedback.java")));
    }
    return latest;
  }

  /** An Infer.java run: the model it used and its predictions. */
  record Model(String inferRun, String modelRun, long modelEpoch, TreeMap<Long, Integer> predictions) {
    static Model of(String run) {
      Map<String, Object> model = new HashMap<>();
      TreeMap<Long, Integer> predictions = new TreeMap<>();
      for (Table.Row r : Flor.query("SELECT loop, iteration, name, value FROM records WHERE run_id = '" + run + "'"
          + " AND name IN ('model_run', 'model_epoch', 'prediction')")) {
        if (r.getString("name").equals("prediction")) predictions.put(r.getLong("iteration"), r.getLong("value").intValue());
        else model.put(r.getString("name"), r.get("value"));
      }
      return new Model(run, String.valueOf(model.get("model_run")), ((Number) model.get("model_epoch")).longValue(), predictions);
    }
  }

  // ---------------------------------------------------------------- HTTP

  /** A request with a bad field: answered 400 with this message. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message);
    }
  }

  /** The fields of a form body or a query string. */
  static Map<String, String> form(String encoded) {
    Map<String, String> fields = new HashMap<>();
    if (encoded == null || encoded.isEmpty()) return fields;
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      fields.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  static long number(Map<String, String> fields, String name, long min, long max) {
    String text = fields.get(name);
    if (text == null) throw new BadRequest("the request has no field '" + name + "'");
    try {
      long n = Long.parseLong(text.trim());
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // said below
    }
    throw new BadRequest("'" + name + "' must be a whole number from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max)
        + ", but was '" + text + "'");
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static final String CSS = "body{font:15px system-ui,sans-serif;margin:24px;color:#222}h1{margin:0 0 8px}"
      + "nav{margin:8px 0}.hint{color:#555;margin:0 0 12px}.saved{background:#e6f4ea;padding:6px 10px;border-radius:4px}"
      + ".items{display:flex;flex-wrap:wrap;gap:12px}.item{border:1px solid #ccc;border-radius:6px;padding:8px;width:188px}"
      + ".item img{width:84px;height:84px;image-rendering:pixelated;float:left;margin-right:8px;border:1px solid #eee}"
      + ".facts{line-height:1.5}.corrected{color:#1a7f37;font-size:12px}form{clear:both;padding-top:6px}"
      + "button{width:32px;margin:2px;padding:3px 0;cursor:pointer}button.current{background:#333;color:#fff}"
      + "button.suggested{outline:2px dashed #1a73e8}";

  /** The digits of {@code ../mnist/digits.bin.gz}, as in Featurise.java: a label byte, then 784 pixel bytes each. */
  static byte[][] readDigits() throws IOException {
    Path here = Path.of(System.getProperty("jdk.launcher.sourcefile", "Feedback.java")).toAbsolutePath().getParent();
    Path file = here.resolveSibling("mnist").resolve("digits.bin.gz");
    try (var in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
      byte[] header = new byte[6];
      in.readFully(header);
      if (!new String(header, 0, 5, "US-ASCII").equals("MNIST")) throw new IOException(file + " is not a digits file");
      byte[][] digits = new byte[in.readInt()][1 + 28 * 28];
      in.readUnsignedShort(); // 28, 28
      for (byte[] digit : digits) in.readFully(digit);
      return digits;
    }
  }
}
