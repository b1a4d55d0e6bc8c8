from flask import Flask

from inventory.models import db


def create_app():
    app = Flask(__name__)
    app.config.from_object("config")
    db.init_app(app)

    from inventory.views.items import bp as items_bp
    from inventory.views.suppliers import bp as suppliers_bp
    from inventory.views.reports import bp as reports_bp

    app.register_blueprint(items_bp)
    app.register_blueprint(suppliers_bp)
    app.register_blueprint(reports_bp)

    with app.app_context():
        db.create_all()
    return app
