import { afterEach, describe, expect, it, vi } from "vitest";
import { listBooks } from "./api";

describe("listBooks", () => {
  afterEach(() => vi.restoreAllMocks());

  it("returns the books", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue({ ok: true, json: async () => [{ id: 1 }] }));
    expect(await listBooks()).toEqual([{ id: 1 }]);
  });

  it("throws on a server error", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue({ ok: false, status: 500 }));
    await expect(listBooks()).rejects.toThrow("500");
  });
});
