import requests
from flask import Blueprint, current_app, jsonify, request

from inventory.models import Supplier, db

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")


def fetch_catalogue(supplier_id):
    try:
        resp = requests.get(f"{current_app.config['SUPPLIER_API']}/catalogue/{supplier_id}", timeout=5)
        return resp.json()
    except Exception:
        return None


@bp.route("/", methods=["POST"])
def create_supplier():
    payload = request.get_json()
    try:
        supplier = Supplier(name=payload["name"], email=payload.get("email"))
    except KeyError as e:
        raise ValueError("name is required")
    db.session.add(supplier)
    db.session.commit()
    return jsonify(id=supplier.id), 201


@bp.route("/<int:supplier_id>/catalogue")
def catalogue(supplier_id):
    data = fetch_catalogue(supplier_id)
    if data is None:
        return jsonify(items=[])
    return jsonify(items=data.get("items", []))


@bp.route("/")
def list_suppliers():
    suppliers = Supplier.query.order_by(Supplier.name).all()
    return jsonify([{"id": s.id, "name": s.name, "items": len(s.items)} for s in suppliers])
