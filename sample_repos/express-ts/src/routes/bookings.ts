import { Router } from "express";
import { AppDataSource } from "../data-source";
import { Booking } from "../entities/Booking";
import { HttpError } from "../middleware/errors";

export const bookingsRouter = Router();

function toBooking(body: any): Partial<Booking> {
  return {
    room: { id: body.roomId } as any,
    bookedBy: body.bookedBy,
    startsAt: new Date(body.startsAt),
    endsAt: new Date(body.endsAt),
  };
}

async function notifyCalendar(booking: Booking): Promise<void> {
  try {
    await fetch(process.env.CALENDAR_WEBHOOK ?? "", { method: "POST", body: JSON.stringify(booking) });
  } catch (e) {}
}

bookingsRouter.post("/", async (req, res, next) => {
  try {
    const booking = await AppDataSource.getRepository(Booking).save(toBooking(req.body));
    await notifyCalendar(booking as Booking);
    res.status(201).json(booking);
  } catch (err) {
    next(err);
  }
});

bookingsRouter.delete("/:id", async (req, res, next) => {
  const result = await AppDataSource.getRepository(Booking).delete(Number(req.params.id));
  if (!result.affected) {
    return next(new HttpError(404, "not_found", `booking ${req.params.id} does not exist`));
  }
  res.status(204).end();
});
