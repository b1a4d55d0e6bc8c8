import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateRooms1714550000000 implements MigrationInterface {
  name = "CreateRooms1714550000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "rooms" ("id" SERIAL PRIMARY KEY, "name" varchar(100) NOT NULL, "capacity" integer NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rooms"`);
  }
}
