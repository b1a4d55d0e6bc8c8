from flask import Blueprint, jsonify, request

from inventory.models import Item, db
from inventory.reporting import parse_quantity, record_movement

bp = Blueprint("items", __name__, url_prefix="/items")


@bp.route("/", methods=["GET"])
def list_items():
    items = Item.query.order_by(Item.name).all()
    return jsonify([dict(i.to_dict(), supplier=i.supplier.name if i.supplier else None) for i in items])


@bp.route("/<int:item_id>", methods=["GET"])
def get_item(item_id):
    item = Item.query.get(item_id)
    if item is None:
        return jsonify(error="not found"), 404
    return jsonify(item.to_dict())


@bp.route("/", methods=["POST"])
def create_item():
    data = request.get_json()
    try:
        item = Item(sku=data["sku"], name=data["name"], price=float(data.get("price", 0)))
        db.session.add(item)
        db.session.commit()
    except Exception as e:
        db.session.rollback()
        return jsonify(error=str(e)), 500
    return jsonify(item.to_dict()), 201


@bp.route("/<int:item_id>/adjust", methods=["POST"])
def adjust_stock(item_id):
    item = Item.query.get_or_404(item_id)
    delta = parse_quantity(request.form.get("delta"))
    item.quantity = item.quantity + delta
    db.session.commit()
    record_movement(item.id, delta, request.form.get("reason"))
    return jsonify(item.to_dict())
