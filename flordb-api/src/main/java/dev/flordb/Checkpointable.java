package dev.flordb;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * State that {@link Flor} can checkpoint and restore for an object it cannot take apart by itself.
 *
 * <p>Most training state needs nothing: arrays of primitives, collections, {@link
 * java.util.Random}, records and your own {@code Serializable} classes built from these are
 * checkpointed as they are. Implement this interface when an object holds something FlorDB cannot
 * save (a native buffer, a handle to a GPU tensor, a library object that is not {@code
 * Serializable}), or when you want to decide exactly what its state is.
 *
 * <p>The contract has two halves:
 *
 * <ul>
 *   <li>{@link #saveState} writes the object's state to a {@link DataOutput}. It is called on the
 *       training thread at the end of a checkpointed iteration, so it should only copy: write the
 *       numbers, do not compute. The bytes are written to disk later, on another thread.
 *   <li>{@link #restoreState} reads back exactly what {@code saveState} wrote, in the same order,
 *       and puts it into <em>this</em> object. The object is restored <b>in place</b>: during a
 *       replay your program keeps using the references it already holds (the same model, the same
 *       arrays), so overwrite the contents of your fields rather than handing out new objects
 *       that nobody refers to.
 * </ul>
 *
 * <pre>{@code
 * final class Embedding implements Checkpointable {
 *   private final FloatBuffer table;          // off-heap: FlorDB cannot see inside it
 *   private long updates;
 *
 *   public void saveState(DataOutput out) throws IOException {
 *     out.writeLong(updates);
 *     out.writeInt(table.capacity());
 *     for (int i = 0; i < table.capacity(); i++) out.writeFloat(table.get(i));
 *   }
 *
 *   public void restoreState(DataInput in) throws IOException {
 *     updates = in.readLong();
 *     int n = in.readInt();                   // same size: this object was built the same way
 *     for (int i = 0; i < n; i++) table.put(i, in.readFloat());
 *   }
 * }
 * }</pre>
 *
 * A checkpoint may be restored in a later run of the program (that is what replay does), so
 * {@code restoreState} should expect an object that was freshly constructed with the same
 * arguments, not the very object that was saved. If the format of the state changes between
 * versions of your code, write a version number first and read it back first.
 *
 * <p>When an object implements this interface, FlorDB does not look inside it: its fields are
 * neither checked nor saved by any other means.
 */
public interface Checkpointable {

  /**
   * Writes this object's state. Called on the training thread; copy, do not compute.
   *
   * @param out where to write; write only what {@link #restoreState} will read back
   * @throws IOException if writing fails
   */
  void saveState(DataOutput out) throws IOException;

  /**
   * Reads back what {@link #saveState} wrote and restores it into this same object, in place.
   *
   * @param in the bytes {@link #saveState} wrote, in the same order
   * @throws IOException if the bytes cannot be read
   */
  void restoreState(DataInput in) throws IOException;
}
