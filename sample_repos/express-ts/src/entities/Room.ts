import { Column, Entity, OneToMany, PrimaryGeneratedColumn } from "typeorm";
import { Booking } from "./Booking";

@Entity({ name: "rooms" })
export class Room {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ length: 100 })
  name!: string;

  @Column({ type: "int" })
  capacity!: number;

  @OneToMany(() => Booking, (booking) => booking.room)
  bookings!: Booking[];
}
