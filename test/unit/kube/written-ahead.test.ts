import assert from "node:assert/strict";
import { WrittenAhead } from "../../../controller/kube/written-ahead.js";

type Obj = { metadata: { name: string; resourceVersion: string }; status?: { step: number } };
const at = (rv: string, step: number): Obj => ({
  metadata: { name: "web", resourceVersion: rv },
  status: { step },
});

describe("WrittenAhead: a reconcile plans from our own write until the watch brings it back", () => {
  it("while the cache still holds what we wrote over, the written object is read", () => {
    const w = new WrittenAhead<Obj>();
    w.record("ns/web", at("1", 0), at("2", 1));
    assert.deepEqual(w.read("ns/web", at("1", 0)), at("2", 1));
  });

  it("two writes before the watch catches up: the newest is read, whether the cache shows the first version or our first write", () => {
    const w = new WrittenAhead<Obj>();
    w.record("ns/web", at("1", 0), at("2", 1));
    w.record("ns/web", at("2", 1), at("3", 2));
    assert.deepEqual(w.read("ns/web", at("1", 0)), at("3", 2));
    assert.deepEqual(w.read("ns/web", at("2", 1)), at("3", 2));
  });

  it("once the cache shows our newest write, the cache is read and the entry dropped", () => {
    const w = new WrittenAhead<Obj>();
    w.record("ns/web", at("1", 0), at("2", 1));
    assert.deepEqual(w.read("ns/web", at("2", 1)), at("2", 1));
    assert.equal(w.size, 0);
  });

  it("a version we did not write (a user's edit after ours) wins over our write", () => {
    const w = new WrittenAhead<Obj>();
    w.record("ns/web", at("1", 0), at("2", 1));
    assert.deepEqual(w.read("ns/web", at("7", 0)), at("7", 0));
    assert.equal(w.size, 0);
    assert.deepEqual(w.read("ns/web", at("1", 0)), at("1", 0), "dropped: an older cache is read as it is");
  });

  it("a deleted object (gone from the cache) is not brought back; forget() drops an entry", () => {
    const w = new WrittenAhead<Obj>();
    w.record("ns/web", at("1", 0), at("2", 1));
    assert.equal(w.read("ns/web", undefined), undefined);
    w.record("ns/web", at("1", 0), at("2", 1));
    w.forget("ns/web");
    assert.deepEqual(w.read("ns/web", at("1", 0)), at("1", 0));
  });
});
