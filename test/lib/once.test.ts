import { describe, expect, it } from "vitest";
import { once } from "../../src/lib/once";

describe("once (the entry's lazy handlers)", () => {
  it("runs the loader once and gives every caller, concurrent or later, the same result", async () => {
    let calls = 0;
    const load = once(async () => {
      calls++;
      return { built: calls };
    });
    const [a, b] = await Promise.all([load(), load()]);
    const c = await load();
    expect(calls).toBe(1);
    expect(a).toEqual({ built: 1 });
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it("does not keep a failure: the next call loads again", async () => {
    let calls = 0;
    const load = once(async () => {
      calls++;
      if (calls === 1) throw new Error("transient");
      return "ok";
    });
    await expect(load()).rejects.toThrow("transient");
    await expect(load()).resolves.toBe("ok");
    await expect(load()).resolves.toBe("ok");
    expect(calls).toBe(2);
  });
});
