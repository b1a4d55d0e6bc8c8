import request from "supertest";
import { createApp } from "../src/app";

jest.mock("../src/data-source", () => ({
  AppDataSource: {
    getRepository: () => ({
      save: jest.fn().mockImplementation(async (b: object) => ({ id: 7, ...b })),
      delete: jest.fn().mockResolvedValue({ affected: 0 }),
    }),
  },
}));

describe("bookings", () => {
  const app = createApp();

  it("creates a booking", async () => {
    const res = await request(app)
      .post("/api/v1/bookings")
      .send({ roomId: 1, bookedBy: "ada", startsAt: "2024-05-01T09:00:00Z", endsAt: "2024-05-01T10:00:00Z" });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe(7);
  });

  it("returns 404 for an unknown booking", async () => {
    const res = await request(app).delete("/api/v1/bookings/99");
    expect(res.status).toBe(404);
  });
});
