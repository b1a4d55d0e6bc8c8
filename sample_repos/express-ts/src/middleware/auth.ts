import { NextFunction, Request, Response } from "express";
import jwt from "jsonwebtoken";
import { HttpError } from "./errors";

const secret = process.env.JWT_SECRET;

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  const header = req.headers.authorization ?? "";
  const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  if (!secret || !token) {
    return next(new HttpError(401, "unauthorized", "a bearer token is required"));
  }
  try {
    res.locals.user = jwt.verify(token, secret, { algorithms: ["HS256"] });
    next();
  } catch {
    next(new HttpError(401, "unauthorized", "the bearer token is not valid"));
  }
}
