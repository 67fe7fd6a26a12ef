/** Append-only typed arrays that double when full: a country's way data without an object per item. */
type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;
type Ctor<T extends TypedArray> = new (length: number) => T;

export class Growable<T extends TypedArray> {
  data: T;
  length = 0;

  constructor(
    private readonly ctor: Ctor<T>,
    initial = 1024,
  ) {
    this.data = new ctor(initial);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new this.ctor(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The filled part (a view, not a copy). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}
