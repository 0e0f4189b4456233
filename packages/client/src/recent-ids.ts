// A bounded memory of ids: duplicate deliveries, the last seq seen per flow instance.

/** Remembers the last `size` ids (oldest forgotten first). */
export class RecentIds<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(id: string): V | undefined {
    return this.map.get(id);
  }
  set(id: string, v: V) {
    this.map.delete(id);
    this.map.set(id, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
  }
  delete(id: string) {
    this.map.delete(id);
  }
}
