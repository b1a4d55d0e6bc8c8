import express from "express";
import rateLimit from "express-rate-limit";
import helmet from "helmet";
import { requireUser } from "./middleware/auth";
import { errorHandler } from "./middleware/errors";
import { bookingsRouter } from "./routes/bookings";
import { roomsRouter } from "./routes/rooms";

export function createApp(): express.Express {
  const app = express();
  app.use(helmet());
  app.use(rateLimit({ windowMs: 60_000, limit: 120 }));
  app.use(express.json({ limit: "100kb" }));
  app.use(requireUser);
  app.use("/api/v1/rooms", roomsRouter);
  app.use("/api/v1/bookings", bookingsRouter);
  app.use(errorHandler);
  return app;
}
