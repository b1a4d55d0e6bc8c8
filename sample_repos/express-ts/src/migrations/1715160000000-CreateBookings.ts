import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateBookings1715160000000 implements MigrationInterface {
  name = "CreateBookings1715160000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "bookings" ("id" SERIAL PRIMARY KEY, "roomId" integer REFERENCES "rooms"("id") ON DELETE CASCADE, ` +
        `"booked_by" varchar(200) NOT NULL, "starts_at" timestamptz NOT NULL, "ends_at" timestamptz NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "bookings"`);
  }
}
