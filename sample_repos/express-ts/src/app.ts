import express from "express";
import { errorHandler } from "./middleware/errors";
import { bookingsRouter } from "./routes/bookings";
import { roomsRouter } from "./routes/rooms";

export function createApp(): express.Express {
  const app = express();
  app.use(express.json({ limit: "100kb" }));
  app.use("/api/v1/rooms", roomsRouter);
  app.use("/api/v1/bookings", bookingsRouter);
  app.use(errorHandler);
  return app;
}
