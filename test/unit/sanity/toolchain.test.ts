import assert from "node:assert/strict";

describe("toolchain", () => {
  it("runs TypeScript tests under mocha", () => {
    const values: readonly number[] = [1, 2, 3];
    assert.equal(values.reduce((a, b) => a + b, 0), 6);
  });
});
