package dev.flordb.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The ingest's line splitting, which looks at eight bytes at a time. */
class RecordIngestNewlineTest {
  @Test
  void theFirstNewlineIsFoundFromEveryStartWhereverItIsAndWhateverSurroundsIt() {
    // bytes that trip a careless zero-byte test: 0x0B and 0x8A next to the newline, 0x0A in the high bit's company
    byte[] fillers = {'a', 0x0B, 0x09, (byte) 0x8A, (byte) 0xFF, 0x00, 0x01};
    for (int size = 0; size <= 40; size++) {
      for (byte filler : fillers) {
        for (int nl = -1; nl < size; nl++) {
          byte[] b = new byte[size];
          java.util.Arrays.fill(b, filler);
          if (nl >= 0) b[nl] = '\n';
          if (nl >= 0 && nl + 3 < size) b[nl + 3] = '\n'; // a second one after it is not the first
          for (int from = 0; from <= size; from++) {
            int expected = nl >= from ? nl : nl >= 0 && nl + 3 < size && nl + 3 >= from ? nl + 3 : size;
            for (int to = from; to <= size; to++) {
              int want = expected < to ? expected : to;
              assertThat(RecordIngest.newline(b, from, to)).as("size %d, newline at %d, from %d to %d, filler %d",
                  size, nl, from, to, filler).isEqualTo(want);
            }
          }
        }
      }
    }
  }
}
