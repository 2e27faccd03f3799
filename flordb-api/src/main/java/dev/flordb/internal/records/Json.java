package dev.flordb.internal.records;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer and reader, enough for the record format and table output. Kept here so
 * that the API artifact needs no JSON library.
 *
 * <p>Numbers read back as {@code Long} when integral and in range, else {@code Double}; objects
 * as insertion-ordered maps; arrays as lists.
 */
public final class Json {
  private Json() {}

  /** Writes {@code value} (null, Boolean, Number, CharSequence, Map, Collection, array) as JSON. */
  public static void write(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof CharSequence || value instanceof Character) {
      writeString(out, value.toString());
    } else if (value instanceof Boolean) {
      out.append(((Boolean) value).booleanValue());
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        if (value instanceof Float) out.append(Float.toString((Float) value));
        else DoubleText.append(out, d);
      } else {
        // JSON has no NaN or infinity; keep them as strings so nothing is lost.
        writeString(out, Double.toString(d));
      }
    } else if (value instanceof Number) {
      out.append(value.toString());
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!first) out.append(',');
        first = false;
        writeString(out, String.valueOf(e.getKey()));
        out.append(':');
        write(out, e.getValue());
      }
      out.append('}');
    } else if (value instanceof Collection) {
      out.append('[');
      boolean first = true;
      for (Object o : (Collection<?>) value) {
        if (!first) out.append(',');
        first = false;
        write(out, o);
      }
      out.append(']');
    } else if (value.getClass().isArray()) {
      out.append('[');
      int n = Array.getLength(value);
      for (int i = 0; i < n; i++) {
        if (i > 0) out.append(',');
        write(out, Array.get(value, i));
      }
      out.append(']');
    } else {
      writeString(out, value.toString());
    }
  }

  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  public static void writeString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  /** Parses one JSON value; throws {@link IllegalArgumentException} naming the offset on bad input. */
  public static Object parse(String text) {
    Parser p = new Parser(text);
    p.skipSpace();
    Object v = p.value();
    p.skipSpace();
    if (p.pos != text.length()) throw p.error("unexpected text after the value");
    return v;
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what);
    }

    void skipSpace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    char peek() {
      if (pos >= s.length()) throw error("unexpected end of input");
      return s.charAt(pos);
    }

    Object value() {
      char c = peek();
      switch (c) {
        case '{': return object();
        case '[': return array();
        case '"': return string();
        case 't': return literal("true", Boolean.TRUE);
        case 'f': return literal("false", Boolean.FALSE);
        case 'n': return literal("null", null);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) return number();
          throw error("unexpected character '" + c + "'");
      }
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) throw error("expected " + word);
      pos += word.length();
      return v;
    }

    Map<String, Object> object() {
      Map<String, Object> m = new LinkedHashMap<>();
      pos++;
      skipSpace();
      if (peek() == '}') {
        pos++;
        return m;
      }
      while (true) {
        skipSpace();
        if (peek() != '"') throw error("expected a key");
        String k = string();
        skipSpace();
        if (peek() != ':') throw error("expected ':'");
        pos++;
        skipSpace();
        m.put(k, value());
        skipSpace();
        char c = peek();
        pos++;
        if (c == '}') return m;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }

    List<Object> array() {
      List<Object> l = new ArrayList<>();
      pos++;
      skipSpace();
      if (peek() == ']') {
        pos++;
        return l;
      }
      while (true) {
        skipSpace();
        l.add(value());
        skipSpace();
        char c = peek();
        pos++;
        if (c == ']') return l;
        if (c != ',') throw error("expected ',' or ']'");
      }
    }

    String string() {
      pos++; // opening quote
      StringBuilder sb = null;
      int start = pos;
      while (true) {
        if (pos >= s.length()) throw error("unterminated string");
        char c = s.charAt(pos);
        if (c == '"') {
          String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
          pos++;
          return out;
        }
        if (c == '\\') {
          if (sb == null) sb = new StringBuilder();
          sb.append(s, start, pos);
          pos++;
          char e = peek();
          pos++;
          switch (e) {
            case '"': sb.append('"'); break;
            case '\\': sb.append('\\'); break;
            case '/': sb.append('/'); break;
            case 'b': sb.append('\b'); break;
            case 'f': sb.append('\f'); break;
            case 'n': sb.append('\n'); break;
            case 'r': sb.append('\r'); break;
            case 't': sb.append('\t'); break;
            case 'u':
              if (pos + 4 > s.length()) throw error("short \\u escape");
              try {
                sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
              } catch (NumberFormatException ex) {
                throw error("bad \\u escape");
              }
              pos += 4;
              break;
            default: throw error("bad escape \\" + e);
          }
          start = pos;
        } else {
          pos++;
        }
      }
    }

    Object number() {
      int start = pos;
      if (s.charAt(pos) == '-') pos++;
      boolean integral = true;
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c >= '0' && c <= '9') {
          pos++;
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
          integral = false;
          pos++;
        } else {
          break;
        }
      }
      String num = s.substring(start, pos);
      try {
        if (integral) {
          BigInteger b = new BigInteger(num);
          return b.bitLength() < 64 ? (Object) b.longValue() : new BigDecimal(b).doubleValue();
        }
        return Double.parseDouble(num);
      } catch (NumberFormatException e) {
        throw error("bad number '" + num + "'");
      }
    }
  }
}
