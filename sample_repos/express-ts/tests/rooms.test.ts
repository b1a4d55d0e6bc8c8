import request from "supertest";
import { createApp } from "../src/app";
import { AppDataSource } from "../src/data-source";

jest.mock("../src/data-source", () => {
  const rooms = [{ id: 1, name: "Ada", capacity: 8 }];
  return {
    AppDataSource: {
      getRepository: () => ({
        find: jest.fn().mockResolvedValue(rooms),
        save: jest.fn().mockImplementation(async (r: object) => ({ id: 2, ...r })),
      }),
    },
  };
});

describe("rooms", () => {
  const app = createApp();

  it("lists rooms", async () => {
    const res = await request(app).get("/api/v1/rooms");
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ id: 1, name: "Ada", capacity: 8 }]);
  });

  it("rejects an invalid room", async () => {
    const res = await request(app).post("/api/v1/rooms").send({ name: "", capacity: -1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_body");
  });

  it("creates a room", async () => {
    const res = await request(app).post("/api/v1/rooms").send({ name: "Turing", capacity: 4 });
    expect(res.status).toBe(201);
    expect(AppDataSource.getRepository).toBeDefined();
  });
});
