import "reflect-metadata";
import { DataSource } from "typeorm";
import { Booking } from "./entities/Booking";
import { Room } from "./entities/Room";

export const AppDataSource = new DataSource({
  type: "postgres",
  url: process.env.DATABASE_URL,
  entities: [Room, Booking],
  migrations: [__dirname + "/migrations/*.{ts,js}"],
  synchronize: false,
  logging: false,
});
