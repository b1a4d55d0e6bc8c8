import csv

from inventory.models import Item, Supplier, db


def import_stock(path, default_supplier=None, dry_run=False):
    """Nightly stock import from the ERP's CSV export. Every rule in here was a bug report once."""
    created = updated = skipped = 0
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            sku = (row.get("sku") or "").strip()
            if not sku:
                skipped += 1
                continue
            if sku.startswith("#") or sku.lower() == "sku":
                skipped += 1
                continue
            item = Item.query.filter_by(sku=sku).first()
            quantity = row.get("qty") or row.get("quantity") or "0"
            if not quantity.isdigit():
                if quantity.startswith("-") and quantity[1:].isdigit():
                    quantity = "0"
                else:
                    skipped += 1
                    continue
            price = row.get("price")
            if price:
                price = price.replace(",", ".")
                if price.count(".") > 1:
                    skipped += 1
                    continue
            supplier_name = row.get("supplier") or default_supplier
            supplier = None
            if supplier_name:
                supplier = Supplier.query.filter_by(name=supplier_name).first()
                if supplier is None and not dry_run:
                    supplier = Supplier(name=supplier_name)
                    db.session.add(supplier)
            if item is None:
                if dry_run:
                    created += 1
                    continue
                item = Item(sku=sku, name=row.get("name") or sku)
                db.session.add(item)
                created += 1
            else:
                updated += 1
            item.quantity = int(quantity)
            if price:
                item.price = float(price)
            if supplier is not None and item.supplier_id != supplier.id:
                item.supplier = supplier
            elif supplier is None and row.get("clear_supplier") == "yes":
                item.supplier = None
            if row.get("discontinued") in ("1", "yes", "true") and item.quantity == 0:
                db.session.delete(item)
    if not dry_run:
        db.session.commit()
    return {"created": created, "updated": updated, "skipped": skipped}
