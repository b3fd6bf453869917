import { describe, expect, it } from "vitest";
import { isId, newId } from "../../src/lib/ids";
import { mintToken, parseToken } from "../../src/lib/tokens";
import { decodeCursor, encodeCursor } from "../../src/lib/pagination";

describe("tokens", () => {
  it("mints ≥256-bit tokens whose prefix and checksum parse back", () => {
    const key = mintToken("apiKey");
    expect(key).toMatch(/^ork_[0-9A-Za-z]{49}$/);
    expect(parseToken(key)).toBe("apiKey");
    expect(parseToken(mintToken("session"))).toBe("session");
    expect(new Set(Array.from({ length: 100 }, () => mintToken("apiKey"))).size).toBe(100);
  });

  it("rejects any single-character change, a wrong prefix, and a wrong length", () => {
    const key = mintToken("apiKey");
    for (let i = 4; i < key.length; i++) {
      const c = key[i] === "a" ? "b" : "a";
      expect(parseToken(key.slice(0, i) + c + key.slice(i + 1)), `position ${i}`).toBeNull();
    }
    expect(parseToken(`sst_${key.slice(4)}`)).toBeNull();
    expect(parseToken(key + "a")).toBeNull();
    expect(parseToken("")).toBeNull();
  });
});

describe("ids", () => {
  it("are prefixed and sort by creation", () => {
    const ids = Array.from({ length: 50 }, () => newId("mem"));
    expect(ids.every((id) => isId(id, "mem"))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(newId("org", 1000) < newId("org", 2000)).toBe(true);
  });
});

describe("cursors", () => {
  it("round-trip, and a forged one is a 400", () => {
    const id = newId("mem");
    expect(decodeCursor(encodeCursor(id), "mem")).toBe(id);
    expect(() => decodeCursor("forged", "mem")).toThrow(/cursor/);
    expect(() => decodeCursor(encodeCursor("key_X"), "mem")).toThrow(/cursor/);
  });
});

describe("path ids", () => {
  it("isAnyId accepts our ids of any kind and nothing else", async () => {
    const { isAnyId, newId } = await import("../../src/lib/ids");
    expect(isAnyId(newId("mem"))).toBe(true);
    expect(isAnyId(newId("inv"))).toBe(true);
    expect(isAnyId("mem_123")).toBe(false);
    expect(isAnyId("xyz_01M8HZ61684WF4NEZR246KH6VF")).toBe(false);
    expect(isAnyId("mem_01M8HZ61684WF4NEZR246KH6VI")).toBe(false); // I is not Crockford base32
    expect(isAnyId("nounderscore")).toBe(false);
  });
});
