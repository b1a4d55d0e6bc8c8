import { Router } from "express";
import { z } from "zod";
import { AppDataSource } from "../data-source";
import { Room } from "../entities/Room";
import { HttpError } from "../middleware/errors";

const RoomInput = z.object({ name: z.string().min(1).max(100), capacity: z.number().int().positive() });

export const roomsRouter = Router();

roomsRouter.get("/", async (_req, res, next) => {
  try {
    res.json(await AppDataSource.getRepository(Room).find({ order: { name: "ASC" } }));
  } catch (err) {
    next(err);
  }
});

roomsRouter.post("/", async (req, res, next) => {
  const parsed = RoomInput.safeParse(req.body);
  if (!parsed.success) {
    return next(new HttpError(400, "invalid_body", parsed.error.message));
  }
  try {
    const room = await AppDataSource.getRepository(Room).save(parsed.data);
    res.status(201).json(room);
  } catch (err) {
    next(err);
  }
});
