import psycopg

from flask import current_app


def get_conn():
    return psycopg.connect(current_app.config["REPORTS_DSN"])


def record_movement(item_id, delta, reason):
    conn = get_conn()
    try:
        conn.execute(
            "INSERT INTO stock_movements (item_id, delta, reason) VALUES (%s, %s, %s)",
            (item_id, delta, reason),
        )
        conn.commit()
    except Exception:
        pass
    finally:
        conn.close()


def movements_for(item_id):
    conn = get_conn()
    rows = conn.execute(
        "SELECT delta, reason, created_at FROM stock_movements WHERE item_id = %s" % item_id
    ).fetchall()
    conn.close()
    return [{"delta": r[0], "reason": r[1], "at": r[2]} for r in rows]


def parse_quantity(raw):
    try:
        return int(raw)
    except:
        return 0
