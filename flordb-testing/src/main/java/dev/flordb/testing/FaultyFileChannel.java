package dev.flordb.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A real file channel that fails on demand: a full disk (every write throws "No space left on
 * device" after taking {@link #bytesBeforeFull} more bytes), short writes (each write takes at
 * most {@link #maxBytesPerWrite}), and a failing {@code force}; {@link #beforeWrite} holds or
 * fails a write at the moment it starts, on the thread that writes.
 */
public final class FaultyFileChannel extends FileChannel {
  private final FileChannel real;
  /** -1: room for everything; else how many more bytes fit before the disk is full. */
  public volatile long bytesBeforeFull = -1;
  public volatile int maxBytesPerWrite = Integer.MAX_VALUE;
  public volatile boolean failForce;
  /** Run at the start of every write, on the writing thread (to hold it there, or to throw); null: nothing. */
  public volatile Runnable beforeWrite;
  volatile int failedWrites;

  public FaultyFileChannel(FileChannel real) {
    this.real = real;
  }

  public void diskFull() {
    bytesBeforeFull = 0;
  }

  public void spaceReturns() {
    bytesBeforeFull = -1;
  }

  private ByteBuffer limited(ByteBuffer src) throws IOException {
    Runnable hook = beforeWrite;
    if (hook != null) hook.run();
    long room = bytesBeforeFull;
    if (room == 0) {
      failedWrites++;
      throw new IOException("No space left on device");
    }
    int n = (int) Math.min(src.remaining(), Math.min(maxBytesPerWrite, room < 0 ? Long.MAX_VALUE : room));
    ByteBuffer slice = src.slice();
    slice.limit(n);
    return slice;
  }

  @Override
  public synchronized int write(ByteBuffer src) throws IOException {
    ByteBuffer part = limited(src);
    int n = real.write(part);
    src.position(src.position() + n);
    if (bytesBeforeFull > 0) bytesBeforeFull -= n;
    return n;
  }

  @Override
  public synchronized int write(ByteBuffer src, long position) throws IOException {
    ByteBuffer part = limited(src);
    int n = real.write(part, position);
    src.position(src.position() + n);
    if (bytesBeforeFull > 0) bytesBeforeFull -= n;
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long n = 0;
    for (int i = offset; i < offset + length; i++) n += write(srcs[i]);
    return n;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    if (failForce) throw new IOException("Input/output error (fsync)");
    real.force(metaData);
  }

  @Override public int read(ByteBuffer dst) throws IOException { return real.read(dst); }
  @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return real.read(dsts, offset, length); }
  @Override public int read(ByteBuffer dst, long position) throws IOException { return real.read(dst, position); }
  @Override public long position() throws IOException { return real.position(); }
  @Override public FileChannel position(long newPosition) throws IOException { real.position(newPosition); return this; }
  @Override public long size() throws IOException { return real.size(); }
  @Override public FileChannel truncate(long size) throws IOException { real.truncate(size); return this; }
  @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException { return real.transferTo(position, count, target); }
  @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException { return real.transferFrom(src, position, count); }
  @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException { return real.map(mode, position, size); }
  @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return real.lock(position, size, shared); }
  @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return real.tryLock(position, size, shared); }
  @Override protected void implCloseChannel() throws IOException { real.close(); }
}
