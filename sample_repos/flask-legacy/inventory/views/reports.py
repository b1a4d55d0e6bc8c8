from flask import Blueprint, jsonify

from inventory.models import Item
from inventory.reporting import movements_for

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/low-stock")
def low_stock():
    items = Item.query.filter(Item.quantity < 5).all()
    return jsonify([{"sku": i.sku, "quantity": i.quantity, "supplier": i.supplier.email} for i in items])


@bp.route("/movements/<item_id>")
def movements(item_id):
    try:
        return jsonify(movements_for(item_id))
    except Exception as e:
        return jsonify(error=str(e)), 500
