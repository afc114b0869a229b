/**
 * A small, allocation-free reader of the protobuf wire format over a Uint8Array, shared by the
 * remote-write decoder and the OTLP decoder. Hand-written rather than generated because both
 * decoders sit on the hottest path of ingestion: they must not allocate per sample, must not copy
 * strings they do not need (a label set already seen is matched by its bytes), and must turn any
 * malformed input into a value, never into a crash.
 *
 * Wire format (https://protobuf.dev/programming-guides/encoding/):
 *
 *   message  := (tag value)*
 *   tag      := varint  (fieldNumber << 3 | wireType)
 *   wireType 0 VARINT  int32/int64/uint32/uint64/sint32/sint64/bool/enum — base-128, little-endian, ≤ 10 bytes
 *            1 I64     fixed64/sfixed64/double — 8 bytes little-endian
 *            2 LEN     string/bytes/sub-message/packed repeated — varint length, then the bytes
 *            3 SGROUP  4 EGROUP  (deprecated groups; skipped, never produced by Prometheus or OTLP)
 *            5 I32     fixed32/sfixed32/float — 4 bytes little-endian
 *
 * Error model — sticky error, no throw on the hot path:
 *   every read that finds the input malformed (truncated, over-long varint, length past the end,
 *   unknown wire type) sets `error` to a constant message and `errorPos` to the byte offset, moves
 *   `pos` to `end` (so any `while (r.pos < r.end)` loop stops by itself) and returns a sentinel
 *   (-1 for varint/tag/length reads, NaN for floating point). A caller checks `r.error !== null`
 *   once after a loop or a sub-message rather than after every read. Messages are string
 *   constants, so failing allocates nothing either.
 *
 * Nesting without allocation: a sub-message is read with the same reader by narrowing `end`:
 *
 *   const msgEnd = r.lenEnd();          // pos is now at the first byte of the sub-message
 *   const outer = r.pushLimit(msgEnd);  // r.end = msgEnd
 *   while (r.pos < r.end) { const tag = r.tag(); switch (tag >>> 3) { … default: r.skip(tag & 7) } }
 *   r.popLimit(outer);                  // r.end restored; pos is at msgEnd (or at end on error)
 *
 * Numbers: JavaScript numbers are doubles, so 64-bit varints are exact up to 2^53 and rounded
 * beyond; that covers millisecond timestamps (2^53 ms ≈ 285,000 years) and nanosecond ones up to
 * year 2255 only approximately (2^53 ns ≈ 104 days exact) — OTLP nanosecond times are therefore
 * read with `int64()` / `uint64()` into a double and divided by 1e6, losing sub-microsecond digits,
 * which Vigil does not use. The raw 32-bit halves of the last 64-bit read are left in `lo` / `hi`
 * for callers that need exact bits (e.g. Prometheus' stale-marker NaN).
 *
 * Hot loops: prefer `readDouble()` / `readInt64()` / `readUint64()` (result in `value`) over
 * `double()` / `int64()`; V8 boxes a non-small-integer number returned from a call it did not
 * inline, which is an allocation per read (measured: 32 B per remote-write sample otherwise).
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

const TWO_32 = 4294967296;
/** Deepest group nesting `skip` follows before calling the input malicious. */
const MAX_GROUP_DEPTH = 32;

// The error messages; constants, so recording an error allocates nothing.
export const WIRE_ERR_TRUNCATED = 'truncated: a field runs past the end of its message';
export const WIRE_ERR_VARINT_TOO_LONG = 'malformed varint: longer than 10 bytes';
export const WIRE_ERR_LENGTH = 'length-delimited field longer than the rest of its message';
export const WIRE_ERR_WIRE_TYPE = 'unknown wire type (6 or 7)';
export const WIRE_ERR_FIELD_ZERO = 'field number 0 is not allowed';
export const WIRE_ERR_GROUP = 'unbalanced or too deeply nested group';

const EMPTY = new Uint8Array(0);

/**
 * Reads protobuf wire format from `buf[pos, end)`. One instance is meant to be reused across
 * requests (`reset`), so the reader itself is not allocated per request either.
 */
export class WireReader {
  buf: Uint8Array = EMPTY;
  /** Next byte to read. */
  pos = 0;
  /** One past the last byte of the current message (narrowed by `pushLimit`). */
  end = 0;
  /** Constant message of the first error since `reset`, or null. Sticky: later reads keep it. */
  error: string | null = null;
  /** Byte offset (into `buf`) at which `error` was found; -1 when there is none. */
  errorPos = -1;
  /**
   * Low / high 32 bits (unsigned) of the last `varint64`/`int64`/`sint64`/`double`/`fixed64` read
   * (`varint` skips them on its one-byte fast path).
   */
  lo = 0;
  hi = 0;
  /** Result of the last `readDouble` / `readInt64` / `readUint64`. Starts as a double on purpose. */
  value = 0.5;
  private view: DataView = new DataView(EMPTY.buffer);

  constructor(buf?: Uint8Array, start = 0, end = buf ? buf.length : 0) {
    if (buf) this.reset(buf, start, end);
  }

  /** Points the reader at `buf[start, end)` and clears any error. */
  reset(buf: Uint8Array, start = 0, end = buf.length): this {
    if (buf !== this.buf) {
      this.buf = buf;
      // One DataView per distinct buffer (i.e. per request), not per read.
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.pos = start < 0 ? 0 : start;
    this.end = end > buf.length ? buf.length : end;
    this.error = null;
    this.errorPos = -1;
    return this;
  }

  /** Records the first error, stops all further reading of the current message, returns -1. */
  fail(message: string, at = this.pos): number {
    if (this.error === null) {
      this.error = message;
      this.errorPos = at;
    }
    this.pos = this.end;
    return -1;
  }

  /**
   * Reads a tag and returns it (`tag >>> 3` is the field number, `tag & 7` the wire type), or -1
   * on error. Only call while `pos < end`.
   */
  tag(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos];
      // Fields 1–15 have one-byte tags: the common case in every schema we read.
      if (b < 0x80) {
        if (b < 8) return this.fail(WIRE_ERR_FIELD_ZERO, pos);
        this.pos = pos + 1;
        return b;
      }
    }
    const t = this.varint();
    if (t < 0) return -1;
    if (t > 0xffffffff) return this.fail(WIRE_ERR_VARINT_TOO_LONG, pos);
    if (t < 8) return this.fail(WIRE_ERR_FIELD_ZERO, pos);
    return t;
  }

  /**
   * Reads an unsigned varint as a number: exact below 2^53, rounded above (a uint64 up to 2^64−1).
   * Returns -1 on error. For int32/int64 fields that may be negative use `int64()`.
   */
  varint(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    if (!this.varint64()) return -1;
    return this.hi * TWO_32 + this.lo;
  }

  /** Reads a uint64 varint into a double (exact below 2^53). Returns -1 on error. */
  uint64(): number {
    return this.varint();
  }

  /**
   * Reads an int64 (or int32) varint — two's complement, negatives take 10 bytes — into a double,
   * exact when |value| ≤ 2^53. On error returns -1 *and* sets `error`: check `error`, since -1 is
   * also a valid value here.
   */
  int64(): number {
    return this.readInt64() ? this.value : -1;
  }

  /** Reads a zigzag-encoded sint32/sint64 into a double (exact when |value| ≤ 2^53). */
  sint64(): number {
    if (!this.varint64()) return -1;
    const lo = this.lo;
    const hi = this.hi;
    // n = (v >>> 1) ^ −(v & 1), done on the halves.
    // v >>> 1, or for odd v −(v >>> 1) − 1, each with a single rounding: the small part is added
    // to the exact high part once ((lo >>> 1) + 1 <= 2^31 is exact).
    return lo & 1 ? -(hi * 2147483648 + ((lo >>> 1) + 1)) : hi * 2147483648 + (lo >>> 1);
  }

  /** Reads a bool varint. */
  bool(): boolean {
    return this.varint() > 0;
  }

  /**
   * Reads any varint into `lo` / `hi` (unsigned 32-bit halves). Returns false on error. The
   * workhorse behind the 64-bit reads; bytes 0–3 fill 28 bits of `lo`, byte 4 straddles, bytes
   * 5–9 fill `hi`.
   */
  varint64(): boolean {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    const start = pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) return this.fail(WIRE_ERR_TRUNCATED, start) === 0;
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.done64(pos, lo, 0);
    }
    if (pos >= end) return this.fail(WIRE_ERR_TRUNCATED, start) === 0;
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b < 0x80) return this.done64(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) return this.fail(WIRE_ERR_TRUNCATED, start) === 0;
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.done64(pos, lo, hi);
    }
    return this.fail(WIRE_ERR_VARINT_TOO_LONG, start) === 0;
  }

  private done64(pos: number, lo: number, hi: number): boolean {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return true;
  }

  /** Reads a little-endian IEEE 754 double (wire type 1); NaN on error. Raw bits go to lo/hi. */
  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) {
      this.fail(WIRE_ERR_TRUNCATED, pos);
      return NaN;
    }
    this.pos = pos + 8;
    const view = this.view; // spans buf exactly, so its offsets are buf's
    this.lo = view.getUint32(pos, true);
    this.hi = view.getUint32(pos + 4, true);
    return view.getFloat64(pos, true);
  }

  /**
   * Allocation-free variants for hot loops. V8 boxes a double (anything not a small integer, e.g.
   * a millisecond timestamp or a float value) returned from a call it did not inline — a 12–16 B
   * heap allocation per read. These store the result in the `value` field instead (updated in
   * place) and return false on error:
   *
   *   if (r.readDouble()) v = r.value;     if (r.readInt64()) timeMs = r.value;
   */
  readDouble(): boolean {
    const pos = this.pos;
    if (pos + 8 > this.end) return this.fail(WIRE_ERR_TRUNCATED, pos) === 0;
    this.pos = pos + 8;
    const view = this.view;
    this.lo = view.getUint32(pos, true);
    this.hi = view.getUint32(pos + 4, true);
    this.value = view.getFloat64(pos, true);
    return true;
  }

  /** int64 varint into `value` (see readDouble). */
  readInt64(): boolean {
    if (!this.varint64()) return false;
    const hi = this.hi;
    const lo = this.lo;
    // Negative: −(~v + 1), computed on the halves so no BigInt is needed. One rounding only:
    // (~lo + 1) <= 2^32 is exact, so the sum rounds once, as Number(BigInt) does.
    this.value = hi < 0x80000000 ? hi * TWO_32 + lo : -((~hi >>> 0) * TWO_32 + ((~lo >>> 0) + 1));
    return true;
  }

  /** uint64 varint into `value` (see readDouble). */
  readUint64(): boolean {
    if (!this.varint64()) return false;
    this.value = this.hi * TWO_32 + this.lo;
    return true;
  }

  /** Reads a fixed64 (unsigned) into a double, exact below 2^53; -1 on error. */
  fixed64(): number {
    const pos = this.pos;
    if (pos + 8 > this.end) return this.fail(WIRE_ERR_TRUNCATED, pos);
    this.pos = pos + 8;
    this.lo = this.view.getUint32(pos, true);
    this.hi = this.view.getUint32(pos + 4, true);
    return this.hi * TWO_32 + this.lo;
  }

  /** Reads a fixed32 (unsigned); -1 on error. */
  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) return this.fail(WIRE_ERR_TRUNCATED, pos);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** Reads a little-endian float (wire type 5); NaN on error. */
  float(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) {
      this.fail(WIRE_ERR_TRUNCATED, pos);
      return NaN;
    }
    this.pos = pos + 4;
    return this.view.getFloat32(pos, true);
  }

  /**
   * Reads the length of a length-delimited field (wire type 2) and returns the absolute offset one
   * past its last byte, leaving `pos` at its first byte: the field's bytes are `buf[pos, result)`,
   * with nothing copied. Returns -1 on error (including a length past `end`).
   */
  lenEnd(): number {
    const at = this.pos;
    const n = this.varint();
    if (n < 0) return -1;
    if (n > this.end - this.pos) return this.fail(WIRE_ERR_LENGTH, at);
    return this.pos + n;
  }

  /** Narrows the reader to `[pos, newEnd)` for a sub-message; returns the old end for `popLimit`. */
  pushLimit(newEnd: number): number {
    const old = this.end;
    this.end = newEnd;
    return old;
  }

  /**
   * Restores the end saved by `pushLimit`. After an error `pos` stays at the end of the outer
   * message too, so the outer loops stop as well.
   */
  popLimit(oldEnd: number): void {
    this.end = oldEnd;
    if (this.error !== null) this.pos = oldEnd;
  }

  /** Skips the value of a field with the given wire type (unknown fields). Returns false on error. */
  skip(wireType: number): boolean {
    switch (wireType) {
      case WIRE_VARINT:
        return this.varint64();
      case WIRE_I64:
        return this.skipBytes(8);
      case WIRE_LEN: {
        const e = this.lenEnd();
        if (e < 0) return false;
        this.pos = e;
        return true;
      }
      case WIRE_I32:
        return this.skipBytes(4);
      case WIRE_SGROUP:
        return this.skipGroup(0);
      default:
        // WIRE_EGROUP outside a group, or 6/7.
        return this.fail(wireType === WIRE_EGROUP ? WIRE_ERR_GROUP : WIRE_ERR_WIRE_TYPE) === 0;
    }
  }

  private skipBytes(n: number): boolean {
    if (n > this.end - this.pos) return this.fail(WIRE_ERR_TRUNCATED) === 0;
    this.pos += n;
    return true;
  }

  // Called with pos just after an SGROUP tag; reads fields until the matching EGROUP. The field
  // number is not checked against the start tag: a mismatch is as harmless as any unknown field.
  private skipGroup(depth: number): boolean {
    if (depth >= MAX_GROUP_DEPTH) return this.fail(WIRE_ERR_GROUP) === 0;
    while (this.pos < this.end) {
      const t = this.tag();
      if (t < 0) return false;
      const wt = t & 7;
      if (wt === WIRE_EGROUP) return true;
      if (wt === WIRE_SGROUP) {
        if (!this.skipGroup(depth + 1)) return false;
      } else if (!this.skip(wt)) return false;
    }
    return this.fail(WIRE_ERR_GROUP) === 0;
  }
}

// `ignoreBOM: true` keeps a leading U+FEFF in the string instead of silently dropping it: a label
// value must round-trip byte for byte. `fatal: true` turns invalid UTF-8 into an exception, which
// decodeUtf8Strict turns into null.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes `buf[start, end)` as strict UTF-8 (no replacement characters, no overlong forms, no
 * surrogates). Returns null when the bytes are not valid UTF-8. Pure-ASCII input takes a fast
 * path that avoids TextDecoder (short label names and values are nearly always ASCII).
 */
export function decodeUtf8Strict(buf: Uint8Array, start: number, end: number): string | null {
  const n = end - start;
  if (n <= 0) return '';
  if (n <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    return null;
  }
}
