package dev.flordb.internal.records;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * How a logged value is typed on disk and in the database. Numbers stay numbers, booleans stay
 * booleans; arrays, lists and maps of plain values become JSON; anything else is kept as its
 * string form ({@code repr}), which the session tells the user about once per class.
 */
public enum Values {
  INT("int"),
  FLOAT("float"),
  BOOL("bool"),
  STR("str"),
  JSON("json"),
  REPR("repr");

  public final String wire;

  Values(String wire) {
    this.wire = wire;
  }

  public static Values fromWire(String wire) {
    switch (wire) {
      case "int": return INT;
      case "float": return FLOAT;
      case "bool": return BOOL;
      case "str": return STR;
      case "json": return JSON;
      case "repr": return REPR;
      default: throw new IllegalArgumentException("unknown value type '" + wire + "'");
    }
  }

  /** The type a value will be stored as. */
  public static Values classify(Object v) {
    if (v == null) return STR;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return INT;
    if (v instanceof Double || v instanceof Float) return FLOAT;
    if (v instanceof Boolean) return BOOL;
    if (v instanceof String || v instanceof Character) return STR;
    // beyond a double's range a big number would silently become Infinity or 0: kept exactly, as text
    if (v instanceof BigInteger) {
      BigInteger b = (BigInteger) v;
      return b.bitLength() < 64 ? INT : Double.isFinite(b.doubleValue()) ? FLOAT : REPR;
    }
    if (v instanceof BigDecimal) {
      BigDecimal b = (BigDecimal) v;
      double d = b.doubleValue();
      return Double.isFinite(d) && (d != 0 || b.signum() == 0) ? FLOAT : REPR;
    }
    if (isPlainContainer(v, 0)) return JSON;
    return REPR;
  }

  /** True for values that the dataframe can show as loop positions (numbers, strings, booleans). */
  public static boolean isScalar(Object v) {
    Values t = classify(v);
    return v != null && (t == INT || t == FLOAT || t == BOOL || t == STR);
  }

  private static boolean isPlainContainer(Object v, int depth) {
    if (depth > 32) return false;
    if (v == null || v instanceof Number || v instanceof Boolean || v instanceof CharSequence
        || v instanceof Character) {
      return depth > 0;
    }
    if (v instanceof Collection) {
      for (Object o : (Collection<?>) v) if (!isPlainContainer(o, depth + 1)) return false;
      return true;
    }
    if (v instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!(e.getKey() instanceof CharSequence) || !isPlainContainer(e.getValue(), depth + 1)) return false;
      }
      return true;
    }
    if (v.getClass().isArray()) {
      if (v.getClass().getComponentType().isPrimitive()) return true;
      int n = Array.getLength(v);
      for (int i = 0; i < n; i++) if (!isPlainContainer(Array.get(v, i), depth + 1)) return false;
      return true;
    }
    return false;
  }

  /** Appends the value as JSON in the form its type is stored in. */
  public void writeValue(StringBuilder out, Object v) {
    switch (this) {
      case INT:
      case FLOAT:
      case BOOL:
      case JSON:
        Json.write(out, v);
        break;
      default:
        Json.writeString(out, String.valueOf(v));
    }
  }

  /** Turns a value read back from JSON into the Java type of this kind. */
  public Object fromJson(Object parsed) {
    if (parsed == null) return null;
    switch (this) {
      case INT:
        return parsed instanceof Number ? ((Number) parsed).longValue() : Long.valueOf(parsed.toString());
      case FLOAT:
        return parsed instanceof Number ? ((Number) parsed).doubleValue() : Double.valueOf(parsed.toString());
      case BOOL:
        return parsed instanceof Boolean ? parsed : Boolean.valueOf(parsed.toString());
      case JSON:
        return parsed;
      default:
        return parsed.toString();
    }
  }
}
