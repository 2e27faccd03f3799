package dev.flordb.replay;

import com.github.javaparser.Position;
import com.github.javaparser.ast.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A source file's text as line-based editing sees it: character offsets of lines and of JavaParser
 * nodes (whose positions are 1-based lines and columns, a tab counting as one column, as GumTree's
 * offsets count characters), indentation, and the file's own line separator.
 */
public final class SourceText {
  final String text;
  /** The offset of each line's first character; lines end at \n, \r\n or \r, as for javac. */
  private final int[] lineStarts;

  SourceText(String text) {
    this.text = text;
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n'))) starts.add(i + 1);
    }
    lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
  }

  int offset(Position p) {
    return lineStarts[p.line - 1] + p.column - 1;
  }

  int begin(Node node) {
    return offset(node.getBegin().orElseThrow());
  }

  /** The offset just after the node's last character. */
  int end(Node node) {
    return offset(node.getEnd().orElseThrow()) + 1;
  }

  String of(Node node) {
    return text.substring(begin(node), end(node));
  }

  /** The 1-based line holding {@code offset}. */
  int lineAt(int offset) {
    int i = java.util.Arrays.binarySearch(lineStarts, offset);
    return i >= 0 ? i + 1 : -i - 1;
  }

  int lineStart(int line) {
    return lineStarts[line - 1];
  }

  /** Where the line's terminator begins (or the end of the text on the last line). */
  int lineEnd(int line) {
    int end = line < lineStarts.length ? lineStarts[line] : text.length();
    while (end > lineStart(line) && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) end--;
    return end;
  }

  /** The offset where the next line begins (the end of the text on the last line). */
  int nextLineStart(int line) {
    return line < lineStarts.length ? lineStarts[line] : text.length();
  }

  /** The leading spaces and tabs of a line, exactly as written. */
  String indentOf(int line) {
    int start = lineStart(line);
    int i = start;
    while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) i++;
    return text.substring(start, i);
  }

  /** Whether only spaces and tabs come before {@code offset} on its line. */
  boolean firstOnLine(int offset) {
    return text.substring(lineStart(lineAt(offset)), offset).isBlank();
  }

  /** The separator of the file's first line, so that inserted lines match the file. */
  String lineSeparator() {
    if (lineStarts.length < 2) return "\n";
    int end = lineStarts[1];
    return end >= 2 && text.startsWith("\r\n", end - 2) ? "\r\n" : text.substring(end - 1, end);
  }

  /**
   * One level of indentation as this file writes it: the most frequent step from a line that
   * opens a brace to the next non-blank line (four spaces when the file shows none).
   */
  String indentUnit() {
    Map<String, Integer> counts = new HashMap<>();
    for (int line = 1; line < lineStarts.length; line++) {
      if (!text.substring(lineStart(line), lineEnd(line)).strip().endsWith("{")) continue;
      int next = line + 1;
      while (next <= lineStarts.length && text.substring(lineStart(next), lineEnd(next)).isBlank()) next++;
      if (next > lineStarts.length) break;
      String outer = indentOf(line);
      String inner = indentOf(next);
      if (inner.length() > outer.length() && inner.startsWith(outer)) counts.merge(inner.substring(outer.length()), 1, Integer::sum);
    }
    return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("    ");
  }
}
