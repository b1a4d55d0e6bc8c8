import { createApp } from "./app";
import { AppDataSource } from "./data-source";

const port = Number(process.env.PORT ?? 3000);

AppDataSource.initialize()
  .then(() => {
    createApp().listen(port, () => console.log(`bookings-api listening on ${port}`));
  })
  .catch((err: unknown) => {
    console.error("could not connect to the database", err);
    process.exit(1);
  });
